package parse

import "testing"

func TestClassify(t *testing.T) {
	tests := []struct {
		name, text string
		want       Intent
	}{
		{"chinese help", "帮助", IntentHelp},
		{"english help", "help", IntentHelp},
		{"english help capitalised", "Help", IntentHelp},
		{"slash help", "/帮助", IntentHelp},
		{"full-width slash and question mark", "／帮助", IntentHelp},
		{"help with punctuation", "帮助?", IntentHelp},
		{"slash collection", "/回款 星河科技 30万", IntentCollection},
		{"unknown slash command", "/天气", IntentNone},
		{"chit-chat", "今天天气不错", IntentNone},
		{"empty", "", IntentNone},
		{"help inside a sentence is not a request", "需要帮助客户解决问题", IntentNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.text); got != tt.want {
				t.Errorf("Classify(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ＡＢＣ１２３", "ABC123"},
		{"回款\u3000２０万", "回款 20万"},
		{"  星河科技  ", "星河科技"},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsEnglish(t *testing.T) {
	for text, want := range map[string]bool{"help": true, "帮助": false, "help 帮助": false, "123": false} {
		if got := IsEnglish(text); got != want {
			t.Errorf("IsEnglish(%q) = %v, want %v", text, got, want)
		}
	}
}

func FuzzClassify(f *testing.F) {
	for _, s := range []string{"帮助", "/回款 星河科技 30万", "／", "\u3000", "help"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = Classify(s)
		if n := Normalize(s); Normalize(n) != n {
			t.Errorf("Normalize is not idempotent on %q", s)
		}
	})
}
