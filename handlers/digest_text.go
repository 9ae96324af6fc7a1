package handlers

import (
	"fmt"
	"strings"

	"github.com/salesbot/salesbot/bot"
)

// barWidth is how many cells a text progress bar has.
const barWidth = 20

// CardText renders a card as plain text, for the terminal (salesbot
// digest) and for platforms that only take text: progress rows become ▓░
// bars with the time-progress marker drawn as │.
func CardText(c *bot.Card) string {
	if c == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("【" + c.Header.Title + "】")
	if c.Header.Subtitle != "" {
		b.WriteString("\n" + c.Header.Subtitle)
	}
	b.WriteString("\n")
	for _, e := range c.Elements {
		switch e.Kind {
		case bot.ElemMarkdown:
			b.WriteString(strings.ReplaceAll(e.Text, "**", "") + "\n")
		case bot.ElemNote:
			b.WriteString("(" + e.Text + ")\n")
		case bot.ElemDivider:
			b.WriteString(strings.Repeat("─", 30) + "\n")
		case bot.ElemFields:
			for _, f := range e.Fields {
				fmt.Fprintf(&b, "%s:%s\n", f.Label, f.Value)
			}
		case bot.ElemProgress:
			width := 0
			for _, r := range e.Progress {
				width = max(width, displayWidth(r.Label))
			}
			for _, r := range e.Progress {
				fmt.Fprintf(&b, "%s%s %s %5s  %s\n", r.Label, strings.Repeat(" ", width-displayWidth(r.Label)),
					TextBar(r.Percent, r.Marker), percentText(r), r.Note)
			}
		case bot.ElemImage:
			if e.Image != nil && e.Image.Alt != "" {
				b.WriteString("[图] " + e.Image.Alt + "\n")
			}
		}
	}
	for _, a := range c.Actions {
		fmt.Fprintf(&b, "[%s] ", a.Label)
	}
	return strings.TrimRight(b.String(), " \n") + "\n"
}

func percentText(r bot.ProgressRow) string {
	if r.Percent == 0 && strings.Contains(r.Note, "未设目标") {
		return "—"
	}
	return fmt.Sprintf("%.0f%%", r.Percent)
}

// TextBar draws achievement (percent) as a bar of barWidth cells, capped
// at 100%, with the time-progress marker (negative: none) as │.
func TextBar(percent, marker float64) string {
	filled := int(min(max(percent, 0), 100)/100*barWidth + 0.5)
	cells := make([]string, barWidth)
	for i := range cells {
		if i < filled {
			cells[i] = "▓"
		} else {
			cells[i] = "░"
		}
	}
	if marker >= 0 {
		at := int(min(marker, 100)/100*barWidth + 0.5)
		if at >= barWidth {
			at = barWidth - 1
		}
		cells[at] = "│"
	}
	return strings.Join(cells, "")
}

// displayWidth counts CJK characters as two columns.
func displayWidth(s string) int {
	w := 0
	for _, r := range s {
		if r >= 0x1100 {
			w += 2
		} else {
			w++
		}
	}
	return w
}
