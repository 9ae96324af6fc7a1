package dingtalk

import (
	"fmt"
	"strings"

	"github.com/salesbot/salesbot/bot"
)

// render picks the OpenAPI msgKey and msgParam for a message: sampleText
// for plain text, sampleMarkdown for a card (with the text above it). The
// sessionWebhook path maps them to msgtype text / markdown.
//
// Without an interactive-card template buttons cannot be pressed, so a
// card's actions are left out (see cardMarkdown).
func render(out bot.Outgoing) (key string, param map[string]string) {
	if out.Card == nil {
		return "sampleText", map[string]string{"content": out.Text}
	}
	title := out.Card.Header.Title
	if title == "" {
		title = "salesbot"
	}
	return "sampleMarkdown", map[string]string{"title": title, "text": cardMarkdown(out.Card, out.Text)}
}

// statusColors are the header colours of the statuses that have one.
var statusColors = map[bot.Status]string{bot.StatusSuccess: "#2e7d32", bot.StatusWarning: "#ef6c00",
	bot.StatusDanger: "#c62828"}

// cardMarkdown renders a card as DingTalk markdown (a small subset:
// headings, bold, quotes, lists, links, <font color>).
func cardMarkdown(c *bot.Card, text string) string {
	var b strings.Builder
	if t := strings.TrimSpace(text); t != "" {
		b.WriteString(t + "\n\n")
	}
	if c.Header.Title != "" {
		color := statusColors[c.Header.Status]
		if color != "" {
			fmt.Fprintf(&b, "#### <font color=\"%s\">%s</font>\n\n", color, c.Header.Title)
		} else {
			fmt.Fprintf(&b, "#### %s\n\n", c.Header.Title)
		}
	}
	if c.Header.Subtitle != "" {
		fmt.Fprintf(&b, "> %s\n\n", c.Header.Subtitle)
	}
	writeElements(&b, c)
	// A card's buttons are left out: a markdown message cannot carry them,
	// and their labels are no text commands (replying 撤销 is not
	// understood), so listing them as what to reply would mislead.
	return strings.TrimRight(b.String(), "\n")
}

// writeElements renders a card's elements as markdown.
func writeElements(b *strings.Builder, c *bot.Card) {
	for _, e := range c.Elements {
		switch e.Kind {
		case bot.ElemMarkdown:
			b.WriteString(e.Text + "\n\n")
		case bot.ElemNote:
			fmt.Fprintf(b, "<font color=\"#888888\">%s</font>\n\n", e.Text)
		case bot.ElemFields:
			for _, f := range e.Fields {
				fmt.Fprintf(b, "- **%s**:%s\n", f.Label, f.Value)
			}
			b.WriteString("\n")
		case bot.ElemProgress:
			for _, r := range e.Progress {
				fmt.Fprintf(b, "- %s %s %.0f%%", r.Label, bar(r.Percent), r.Percent)
				if r.Marker >= 0 {
					fmt.Fprintf(b, "(时间进度 %.0f%%)", r.Marker)
				}
				if r.Note != "" {
					b.WriteString(" " + r.Note)
				}
				b.WriteString("\n")
			}
			b.WriteString("\n")
		case bot.ElemDivider:
			b.WriteString("---\n\n")
		case bot.ElemImage:
			if e.Image != nil && e.Image.URL != "" {
				fmt.Fprintf(b, "![%s](%s)\n\n", e.Image.Alt, e.Image.URL)
			} else if e.Image != nil && e.Image.Alt != "" {
				fmt.Fprintf(b, "[图片:%s]\n\n", e.Image.Alt)
			}
		}
	}
}

// bar draws a ten-step progress bar.
func bar(pct float64) string {
	n := int(pct/10 + 0.5)
	n = max(0, min(n, 10))
	return strings.Repeat("▓", n) + strings.Repeat("░", 10-n)
}
