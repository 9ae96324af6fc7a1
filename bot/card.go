package bot

// Status is a card's colour, by meaning rather than by hue.
type Status string

// Card statuses.
const (
	StatusNeutral Status = "neutral"
	StatusInfo    Status = "info"
	StatusSuccess Status = "success"
	StatusWarning Status = "warning"
	StatusDanger  Status = "danger"
)

// MaxActions is the most buttons a card may carry (WeCom's template card
// allows six).
const MaxActions = 6

// Card is the platform-neutral card model. Handlers build one; each adapter
// renders it as well as its platform allows and degrades what it cannot show.
type Card struct {
	Header   Header    `json:"header"`
	Elements []Element `json:"elements,omitempty"`
	Actions  []Action  `json:"actions,omitempty"`
}

// Header is a card's title line.
type Header struct {
	Title    string `json:"title"`
	Subtitle string `json:"subtitle,omitempty"`
	Status   Status `json:"status,omitempty"`
}

// ElementKind is the kind of one card element.
type ElementKind string

// Element kinds.
const (
	ElemMarkdown ElementKind = "markdown"
	ElemFields   ElementKind = "fields"
	ElemProgress ElementKind = "progress"
	ElemDivider  ElementKind = "divider"
	ElemNote     ElementKind = "note"
	ElemImage    ElementKind = "image"
)

// Element is one block of a card.
type Element struct {
	Kind ElementKind `json:"kind"`
	// Text is the content of markdown and note elements.
	Text     string        `json:"text,omitempty"`
	Fields   []Field       `json:"fields,omitempty"`
	Progress []ProgressRow `json:"progress,omitempty"`
	Image    *Image        `json:"image,omitempty"`
}

// Field is a label and its value.
type Field struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// ProgressRow is one bar of a progress element: how much of a target is
// achieved against how much of the period has elapsed.
type ProgressRow struct {
	Label string `json:"label"`
	// Percent is the achievement in percent (may exceed 100).
	Percent float64 `json:"percent"`
	// Marker is the time progress in percent, drawn as a marker on the bar;
	// negative when there is none.
	Marker float64 `json:"marker"`
	Note   string  `json:"note,omitempty"`
}

// Image is a picture on a card, given as PNG bytes or a URL.
type Image struct {
	URL string `json:"url,omitempty"`
	PNG []byte `json:"png,omitempty"`
	Alt string `json:"alt,omitempty"`
}

// ButtonStyle is how prominent a button is.
type ButtonStyle string

// Button styles.
const (
	ButtonDefault ButtonStyle = "default"
	ButtonPrimary ButtonStyle = "primary"
	ButtonDanger  ButtonStyle = "danger"
)

// Action is a button on a card.
type Action struct {
	// ID names the action; the router dispatches on the part before the
	// first '.' or ':' ("followup" for "followup.undo").
	ID    string      `json:"id"`
	Label string      `json:"label"`
	Style ButtonStyle `json:"style,omitempty"`
	// Confirm, when set, asks the user before the action is sent.
	Confirm *Confirm `json:"confirm,omitempty"`
	// Ref is the server-side reference of what the action acts on (a record
	// id). It is stored with the card and looked up when the button is
	// pressed; adapters must not send it to clients that could change it.
	Ref string `json:"ref,omitempty"`
}

// Confirm is the dialog shown before an irreversible action.
type Confirm struct {
	Title string `json:"title"`
	Text  string `json:"text"`
}

// Markdown returns a markdown element.
func Markdown(text string) Element { return Element{Kind: ElemMarkdown, Text: text} }

// Note returns a note element: small print under the card's body.
func Note(text string) Element { return Element{Kind: ElemNote, Text: text} }

// Divider returns a divider element.
func Divider() Element { return Element{Kind: ElemDivider} }

// Fields returns a fields element.
func Fields(fields ...Field) Element { return Element{Kind: ElemFields, Fields: fields} }

// Progress returns a progress element.
func Progress(rows ...ProgressRow) Element { return Element{Kind: ElemProgress, Progress: rows} }

// FindAction returns the card's action with the given id.
func (c *Card) FindAction(id string) (Action, bool) {
	if c == nil {
		return Action{}, false
	}
	for _, a := range c.Actions {
		if a.ID == id {
			return a, true
		}
	}
	return Action{}, false
}

// WithoutRefs returns a copy of the card with the server-side references
// removed, for showing to clients.
func (c *Card) WithoutRefs() *Card {
	if c == nil {
		return nil
	}
	cp := *c
	cp.Actions = make([]Action, len(c.Actions))
	for i, a := range c.Actions {
		a.Ref = ""
		cp.Actions[i] = a
	}
	return &cp
}
