package console

import (
	"reflect"
	"testing"

	"github.com/salesbot/salesbot/bot"
)

func TestFindMentions(t *testing.T) {
	members := []Member{
		{ID: "m-zhang", Name: "张三"},
		{ID: "m-zsf", Name: "张三丰"},
		{ID: "m-li", Name: "李四"},
		{ID: "m-tom", Name: "Tom Lee"},
	}
	zhang := bot.Mention{UserID: "m-zhang", Name: "张三"}
	zsf := bot.Mention{UserID: "m-zsf", Name: "张三丰"}
	li := bot.Mention{UserID: "m-li", Name: "李四"}
	tom := bot.Mention{UserID: "m-tom", Name: "Tom Lee"}
	tests := []struct {
		name string
		text string
		want []bot.Mention
	}{
		{"none", "今天拜访了星河科技", nil},
		{"one with a space", "@李四 帮忙看下报价", []bot.Mention{li}},
		{"without a space", "@张三跟进一下", []bot.Mention{zhang}},
		{"longest name wins", "@张三丰 你好", []bot.Mention{zsf}},
		{"in order written", "请 @李四 和 @张三 一起去", []bot.Mention{li, zhang}},
		{"adjacent", "@张三@李四", []bot.Mention{zhang, li}},
		{"full-width at", "＠李四 收到", []bot.Mention{li}},
		{"name with a space", "cc @Tom Lee", []bot.Mention{tom}},
		{"repeated", "@李四 @李四", []bot.Mention{li, li}},
		{"unknown name", "@赵六 在吗", nil},
		{"e-mail address", "发到 zhang@李四.com", nil},
		{"lone at", "@", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := findMentions(tt.text, members); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("findMentions(%q) = %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}

func FuzzFindMentions(f *testing.F) {
	members := []Member{{ID: "a", Name: "张三"}, {ID: "b", Name: "张"}, {ID: "c", Name: ""}}
	for _, s := range []string{"@张三", "＠张", "x@张三", "@@", "\xff@张三"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, m := range findMentions(s, members) {
			if m.UserID == "c" || m.Name == "" {
				t.Fatalf("mention of an empty name in %q", s)
			}
		}
	})
}
