package wecom

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/salesbot/salesbot/bot"
)

// WeCom's limits on what one message carries (PLATFORMS.md §2.4).
const (
	maxTextBytes     = 2048 // text.content and markdown.content
	maxHorizontal    = 6    // horizontal_content_list rows
	maxSubTitleRunes = 112  // sub_title_text, as the docs advise
)

// TemplateCard is the button_interaction template_card the adapter sends.
type TemplateCard struct {
	CardType              string       `json:"card_type"`
	Source                *cardSource  `json:"source,omitempty"`
	MainTitle             cardTitle    `json:"main_title"`
	SubTitleText          string       `json:"sub_title_text,omitempty"`
	HorizontalContentList []cardKV     `json:"horizontal_content_list,omitempty"`
	TaskID                string       `json:"task_id"`
	ButtonList            []cardButton `json:"button_list"`
}

type cardSource struct {
	Desc      string `json:"desc,omitempty"`
	DescColor int    `json:"desc_color,omitempty"`
}

type cardTitle struct {
	Title string `json:"title,omitempty"`
	Desc  string `json:"desc,omitempty"`
}

type cardKV struct {
	KeyName string `json:"keyname"`
	Value   string `json:"value,omitempty"`
}

type cardButton struct {
	Text  string `json:"text"`
	Style int    `json:"style,omitempty"`
	Key   string `json:"key"`
}

// rendered is one card as WeCom messages: optional markdown messages that
// come first (what the template card cannot show), then the card with the
// buttons (nil for a card without actions, which is markdown only).
type rendered struct {
	markdown []string
	card     *TemplateCard
}

// renderCard renders c (with the message's text above it) for WeCom. A card
// with actions becomes a button_interaction template_card whose key per
// button is the action id; when its body does not fit the template card
// (more than six fields, long text, progress rows, images) the whole body
// goes first as markdown and the card carries the title and the buttons.
func renderCard(c *bot.Card, text, taskID string) rendered {
	if len(c.Actions) == 0 {
		return rendered{markdown: splitBytes(cardMarkdown(c, text), maxTextBytes)}
	}
	tc := &TemplateCard{CardType: "button_interaction", TaskID: taskID,
		MainTitle: cardTitle{Title: c.Header.Title, Desc: c.Header.Subtitle}}
	if tc.MainTitle.Title == "" {
		tc.MainTitle.Title = "salesbot"
	}
	if s := statusSource(c.Header.Status); s != nil {
		tc.Source = s
	}
	for i, act := range c.Actions {
		if i == bot.MaxActions {
			break
		}
		tc.ButtonList = append(tc.ButtonList, cardButton{Text: act.Label, Style: buttonStyle(act.Style), Key: act.ID})
	}
	var fields []cardKV
	var sub []string
	if strings.TrimSpace(text) != "" {
		sub = append(sub, strings.TrimSpace(text))
	}
	fits := true
	for _, e := range c.Elements {
		switch e.Kind {
		case bot.ElemFields:
			for _, f := range e.Fields {
				fields = append(fields, cardKV{KeyName: f.Label, Value: f.Value})
			}
		case bot.ElemMarkdown, bot.ElemNote:
			if t := plain(e.Text); t != "" {
				sub = append(sub, t)
			}
		case bot.ElemDivider:
		default: // progress rows and images need markdown
			fits = false
		}
	}
	subText := strings.Join(sub, "\n")
	if len(fields) > maxHorizontal || utf8.RuneCountInString(subText) > maxSubTitleRunes {
		fits = false
	}
	if !fits {
		return rendered{markdown: splitBytes(cardMarkdown(c, text), maxTextBytes), card: tc}
	}
	tc.HorizontalContentList, tc.SubTitleText = fields, subText
	return rendered{card: tc}
}

// statusSource shows the card's status as the coloured source line.
func statusSource(s bot.Status) *cardSource {
	switch s {
	case bot.StatusSuccess:
		return &cardSource{Desc: "✅ 完成", DescColor: 3}
	case bot.StatusWarning:
		return &cardSource{Desc: "⚠️ 请注意", DescColor: 2}
	case bot.StatusDanger:
		return &cardSource{Desc: "❗ 需处理", DescColor: 2}
	}
	return nil
}

// buttonStyle maps a button style to WeCom's 1–4.
func buttonStyle(s bot.ButtonStyle) int {
	switch s {
	case bot.ButtonPrimary:
		return 1
	case bot.ButtonDanger:
		return 3
	}
	return 2
}

// cardMarkdown renders the whole card as WeCom markdown.
func cardMarkdown(c *bot.Card, text string) string {
	var b strings.Builder
	if strings.TrimSpace(text) != "" {
		b.WriteString(strings.TrimSpace(text) + "\n\n")
	}
	if c.Header.Title != "" {
		color := map[bot.Status]string{bot.StatusSuccess: "info", bot.StatusWarning: "warning", bot.StatusDanger: "warning"}[c.Header.Status]
		if color != "" {
			fmt.Fprintf(&b, "**<font color=\"%s\">%s</font>**\n", color, c.Header.Title)
		} else {
			fmt.Fprintf(&b, "**%s**\n", c.Header.Title)
		}
	}
	if c.Header.Subtitle != "" {
		fmt.Fprintf(&b, "> %s\n", c.Header.Subtitle)
	}
	for _, e := range c.Elements {
		b.WriteString("\n")
		switch e.Kind {
		case bot.ElemMarkdown:
			b.WriteString(e.Text + "\n")
		case bot.ElemNote:
			fmt.Fprintf(&b, "<font color=\"comment\">%s</font>\n", e.Text)
		case bot.ElemFields:
			for _, f := range e.Fields {
				fmt.Fprintf(&b, "%s:%s\n", f.Label, f.Value)
			}
		case bot.ElemProgress:
			for _, r := range e.Progress {
				fmt.Fprintf(&b, "%s %s %.0f%%", r.Label, bar(r.Percent), r.Percent)
				if r.Marker >= 0 {
					fmt.Fprintf(&b, "(时间进度 %.0f%%)", r.Marker)
				}
				if r.Note != "" {
					b.WriteString(" " + r.Note)
				}
				b.WriteString("\n")
			}
		case bot.ElemDivider:
			b.WriteString("\n")
		case bot.ElemImage:
			if e.Image != nil && e.Image.URL != "" {
				fmt.Fprintf(&b, "[%s](%s)\n", firstNonEmpty(e.Image.Alt, "图片"), e.Image.URL)
			} else if e.Image != nil {
				fmt.Fprintf(&b, "(图片:%s)\n", firstNonEmpty(e.Image.Alt, "图表"))
			}
		}
	}
	if len(c.Actions) > 0 {
		labels := make([]string, 0, len(c.Actions))
		for _, a := range c.Actions {
			labels = append(labels, a.Label)
		}
		fmt.Fprintf(&b, "\n<font color=\"comment\">操作:%s(见下方卡片)</font>\n", strings.Join(labels, " / "))
	}
	return strings.TrimSpace(b.String())
}

func bar(pct float64) string {
	n := int(math.Round(math.Max(0, math.Min(pct, 100)) / 10))
	return strings.Repeat("▓", n) + strings.Repeat("░", 10-n)
}

// plain strips the markdown marks a template card would show literally.
func plain(s string) string {
	return strings.TrimSpace(strings.NewReplacer("**", "", "__", "", "`", "").Replace(s))
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// splitBytes cuts s into pieces of at most n bytes, at line ends where it
// can and never inside a rune.
func splitBytes(s string, n int) []string {
	var out []string
	for len(s) > n {
		cut := strings.LastIndex(s[:n], "\n")
		if cut <= 0 {
			cut = n
			for cut > 0 && !utf8.RuneStart(s[cut]) {
				cut--
			}
		}
		out = append(out, strings.TrimRight(s[:cut], "\n"))
		s = strings.TrimLeft(s[cut:], "\n")
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}
