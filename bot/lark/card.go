package lark

import (
	"fmt"
	"math"
	"strings"

	"github.com/salesbot/salesbot/bot"
)

// templates maps a card status to a Lark header colour.
var templates = map[bot.Status]string{
	bot.StatusNeutral: "grey",
	bot.StatusInfo:    "blue",
	bot.StatusSuccess: "green",
	bot.StatusWarning: "orange",
	bot.StatusDanger:  "red",
}

// object is one JSON object of a card.
type object = map[string]any

// RenderCard renders the neutral card as Lark card JSON 2.0 (DESIGN.md §7a):
// a header coloured by status; markdown, fields as bold-label lines,
// progress as ▓░ bars, dividers as hr, notes as small grey markdown, images
// as links (a PNG needs an uploaded image_key, which the adapter does not
// have yet, so it degrades to its alt text); and the actions as buttons
// whose callback value carries only the action id, never the server-side
// ref. text and mentions, when given with a card, open the body.
func RenderCard(c *bot.Card, text string, mentions []bot.Mention) object {
	var els []any
	var lead strings.Builder
	for _, m := range mentions {
		if m.UserID != "" {
			fmt.Fprintf(&lead, "<at id=%s></at> ", escapeAttr(m.UserID))
		}
	}
	lead.WriteString(text)
	if s := strings.TrimSpace(lead.String()); s != "" {
		els = append(els, markdown(s))
	}
	for _, e := range c.Elements {
		if el := renderElement(e); el != nil {
			els = append(els, el)
		}
	}
	if len(c.Actions) > 0 {
		cols := make([]any, 0, len(c.Actions))
		for _, a := range c.Actions {
			cols = append(cols, object{"tag": "column", "width": "auto", "elements": []any{button(a)}})
		}
		els = append(els, object{"tag": "column_set", "flex_mode": "flow", "horizontal_spacing": "small", "columns": cols})
	}
	if els == nil {
		els = []any{}
	}
	header := object{
		"title":    plain(c.Header.Title),
		"template": template(c.Header.Status),
	}
	if c.Header.Subtitle != "" {
		header["subtitle"] = plain(c.Header.Subtitle)
	}
	return object{
		"schema": "2.0",
		"config": object{"update_multi": true},
		"header": header,
		"body":   object{"elements": els},
	}
}

func template(s bot.Status) string {
	if t, ok := templates[s]; ok {
		return t
	}
	return "blue"
}

func plain(s string) object { return object{"tag": "plain_text", "content": s} }

func markdown(s string) object { return object{"tag": "markdown", "content": s} }

func renderElement(e bot.Element) any {
	switch e.Kind {
	case bot.ElemMarkdown:
		if e.Text == "" {
			return nil
		}
		return markdown(e.Text)
	case bot.ElemFields:
		lines := make([]string, 0, len(e.Fields))
		for _, f := range e.Fields {
			lines = append(lines, "**"+f.Label+"**:"+f.Value)
		}
		if len(lines) == 0 {
			return nil
		}
		return markdown(strings.Join(lines, "\n"))
	case bot.ElemProgress:
		lines := make([]string, 0, len(e.Progress))
		for _, r := range e.Progress {
			lines = append(lines, progressLine(r))
		}
		if len(lines) == 0 {
			return nil
		}
		return markdown(strings.Join(lines, "\n"))
	case bot.ElemDivider:
		return object{"tag": "hr"}
	case bot.ElemNote:
		if e.Text == "" {
			return nil
		}
		return object{"tag": "markdown", "content": e.Text, "text_size": "notation"}
	case bot.ElemImage:
		if e.Image == nil {
			return nil
		}
		alt := e.Image.Alt
		if alt == "" {
			alt = "图片"
		}
		if e.Image.URL != "" {
			return markdown("[" + alt + "](" + e.Image.URL + ")")
		}
		return markdown("(" + alt + ")")
	}
	return nil
}

// barCells is the width of a progress bar.
const barCells = 10

// ProgressBar draws percent (0–100, clamped) as ▓ and ░ cells.
func ProgressBar(percent float64) string {
	n := int(math.Round(math.Max(0, math.Min(100, percent)) / 100 * barCells))
	return strings.Repeat("▓", n) + strings.Repeat("░", barCells-n)
}

func progressLine(r bot.ProgressRow) string {
	s := fmt.Sprintf("%s `%s` %.0f%%", r.Label, ProgressBar(r.Percent), r.Percent)
	if r.Marker >= 0 {
		s += fmt.Sprintf("(时间进度 %.0f%%)", r.Marker)
	}
	if r.Note != "" {
		s += " " + r.Note
	}
	return s
}

// button renders an action: a 2.0 button with a callback behavior whose
// value is only the action id, and a confirm dialog when the action asks.
func button(a bot.Action) object {
	typ := "default"
	switch a.Style {
	case bot.ButtonPrimary:
		typ = "primary"
	case bot.ButtonDanger:
		typ = "danger"
	}
	b := object{
		"tag":       "button",
		"text":      plain(a.Label),
		"type":      typ,
		"behaviors": []any{object{"type": "callback", "value": object{"action": a.ID}}},
	}
	if a.Confirm != nil {
		b["confirm"] = object{"title": plain(a.Confirm.Title), "text": plain(a.Confirm.Text)}
	}
	return b
}
