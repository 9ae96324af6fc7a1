package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/domain/parse"
)

// TaskStore is what the task flow needs of the database.
type TaskStore interface {
	flowStore
	CreateTask(ctx context.Context, t domain.Task) (domain.Task, error)
	TaskByID(ctx context.Context, tenant, id string) (domain.Task, error)
	SetTaskStatus(ctx context.Context, tenant, id string, from []string, to, assignee string, at time.Time) (bool, error)
	OpenTaskLoad(ctx context.Context, tenant string, memberIDs []string) (map[string]int, error)
	LastAssigned(ctx context.Context, tenant string, memberIDs []string) (map[string]time.Time, error)
	OpenTasksOf(ctx context.Context, tenant, assigneeID string) ([]domain.Task, error)
}

// Task routing policies: how a task asked of a role finds its assignee.
const (
	RoutingLeastLoaded = "least_loaded"
	RoutingRoundRobin  = "round_robin"
	RoutingFixed       = "fixed"
)

// Tasks hands work between sales, presales and finance: a task names its
// assignee by @-mention or asks for a role ("找个售前"), the assignee works
// it on a card with 接受 / 完成 / 转交, and the creator hears of each step in
// the thread where they asked.
type Tasks struct {
	flow
	store TaskStore
	log   *slog.Logger
	// Routing is the tenant's policy for tasks asked of a role.
	Routing string
}

// NewTasks returns the task handlers over store.
func NewTasks(store TaskStore, loc *time.Location, now func() time.Time, log *slog.Logger) *Tasks {
	if loc == nil {
		loc = time.Local
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Tasks{flow: flow{store: store, loc: loc, now: now}, store: store, log: log, Routing: RoutingLeastLoaded}
}

// Routes of the task flow, besides the parser's "task" intent.
const (
	RouteTask         = "task"
	RouteTaskMine     = "task.mine"
	RouteTaskHandover = "task.handover"
)

// Card action ids; the router sends every "task.*" to Act.
const (
	actAcceptTask   = "task.accept"
	actDoneTask     = "task.done"
	actHandoverTask = "task.handover"
)

var (
	mineCue = regexp.MustCompile(`^/?\s*(我的任务|我的待办|my tasks)\s*[?？]?$`)
	// roleAsk finds a task asked of a role rather than a person.
	roleAsk = regexp.MustCompile(`(找个|找一个|找一位|找位|需要一个|需要个|请个|来个)(售前|财务)|(售前|财务)(同事)?(帮忙|帮个忙|协助|支持|帮我)`)
)

// Route names the task route a message takes before the parser's intents,
// or "": "我的任务", a task asked of a role, or the answer to 转交's question.
func (h *Tasks) Route(ctx context.Context, m *bot.Message) string {
	text := strings.TrimSpace(m.Text)
	switch {
	case text == "":
		return ""
	case mineCue.MatchString(strings.ToLower(text)):
		return RouteTaskMine
	}
	if strings.Contains(text, "@") && !strings.HasPrefix(text, "/") {
		if _, ok := h.askedFor(ctx, m, promptHandover); ok {
			return RouteTaskHandover
		}
	}
	if !strings.HasPrefix(text, "/") && !strings.Contains(text, "@") && roleAsk.MatchString(text) {
		return RouteTask
	}
	return ""
}

// roleOf reads the role a task is asked of in the text ("找个售前").
func roleOf(text string) (domain.Role, bool) {
	sm := roleAsk.FindStringSubmatch(text)
	if sm == nil {
		return "", false
	}
	w := sm[2]
	if w == "" {
		w = sm[3]
	}
	r, err := domain.ParseRole(w)
	return r, err == nil
}

// Create handles a task: "@王工 周五前给星河科技出一版技术方案", "/任务 @李娜
// 明天开票 星河科技", "找个售前 下周二去星河科技做演示".
func (h *Tasks) Create(ctx context.Context, m *bot.Message) (bot.Reply, error) {
	p, customers, members, err := h.parser(ctx, m.Tenant)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("create task: %w", err)
	}
	text := strings.TrimSpace(m.Text)
	at := h.msgTime(m)
	var it parse.Item
	for _, x := range p.Parse(text, at) {
		if x.Intent == parse.IntentTask || it.Intent == "" {
			it = x
		}
	}
	role, byRole := roleOf(text)
	if !byRole {
		role = it.AssigneeRole
	}
	if role == "" {
		role = domain.RoleSales
	}
	creator, err := h.currentMember(ctx, m)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("create task: %w", err)
	}
	var assignee domain.Member
	switch {
	case len(it.Mentions) > 0:
		var reply *bot.Reply
		if assignee, reply = mentioned(members, it.Mentions[0]); reply != nil {
			return *reply, nil
		}
	case byRole:
		a, ok, err := h.route(ctx, m.Tenant, creator, role, members)
		if err != nil {
			return bot.Reply{}, fmt.Errorf("create task: %w", err)
		}
		if !ok {
			return bot.Reply{Text: fmt.Sprintf("没有找到可以接这个任务的%s同事。请直接 @ 一位同事,例如“@王工 周五前出方案”。", role.Label())}, nil
		}
		assignee = a
	default:
		return bot.Reply{Text: "这个任务派给谁?请 @ 一位同事,或者说“找个售前 …”“财务帮忙 …”。"}, nil
	}
	if len(it.Mentions) > 0 && assignee.Role != domain.RoleSales && it.AssigneeRole == domain.RoleSales {
		role = assignee.Role
	}
	due, hasDue := h.dueOf(it, text, at)
	if hasDue && !due.After(h.now()) {
		return bot.Reply{Text: fmt.Sprintf("截止时间 %s 已经过去了。请给一个将来的时间,例如“周五前”“明天下午三点前”。",
			due.In(h.loc).Format("2006-01-02 15:04"))}, nil
	}
	t := domain.Task{TenantID: m.Tenant, CreatorID: creator.ID, AssigneeID: assignee.ID, AssigneeRole: role,
		Title: taskTitle(text), Status: domain.TaskOpen, SourceEventID: m.ID, SourcePlatform: string(m.Platform),
		SourceChatID: m.Chat.ID, SourceMessageID: m.MessageID, CreatedAt: h.now()}
	if c, ok := customers[it.Customer]; ok {
		t.CustomerID = c.ID
	}
	if hasDue {
		t.DueAt = due
	}
	if t, err = h.store.CreateTask(ctx, t); err != nil {
		return bot.Reply{}, fmt.Errorf("create task: %w", err)
	}
	if err := h.auditJSON(ctx, m.Tenant, creator.ID, "task.create", "task", t.ID, nil, taskState(t), m.ID); err != nil {
		return bot.Reply{}, fmt.Errorf("create task: %w", err)
	}
	v := taskView{Task: t, Creator: creator.Name, Assignee: assignee.Name, Customer: it.Customer}
	if t.CustomerID == "" {
		v.Customer = ""
	}
	card := taskCard(v, h.loc)
	reply := bot.Reply{Card: card}
	// The assignee also gets the card directly, unless this is already
	// their direct chat with the bot.
	if !(m.Chat.Type == bot.DirectChat && assignee.ID == creator.ID) {
		reply.Also = append(reply.Also, bot.Outgoing{To: bot.Target{MemberID: assignee.ID}, Card: card})
	}
	h.log.InfoContext(ctx, "task created", "tenant", m.Tenant, "task", t.ID, "assignee", assignee.ID, "by_role", byRole)
	return reply, nil
}

// mentioned finds the member an @-mention names, or the reply that asks
// when it names nobody (or more than one person) of the tenant.
func mentioned(members []domain.Member, name string) (domain.Member, *bot.Reply) {
	var found []domain.Member
	for _, mb := range members {
		if mb.Name == name && mb.Active {
			found = append(found, mb)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return domain.Member{}, &bot.Reply{Text: fmt.Sprintf("“%s”不是公司的成员,任务没有创建。请 @ 一位同事,或者说“找个售前 …”。", name)}
	}
	return domain.Member{}, &bot.Reply{Text: fmt.Sprintf("有 %d 位同事叫 %s,任务没有创建。请让管理员给其中一位改个能区分的名字。", len(found), name)}
}

// route picks the member of the role for a task asked of a role: in the
// creator's team first, then anyone in the tenant, by the tenant's policy.
func (h *Tasks) route(ctx context.Context, tenant string, creator domain.Member, role domain.Role, members []domain.Member) (domain.Member, bool, error) {
	var team, all []domain.Member
	for _, mb := range members {
		if mb.Role != role || !mb.Active || mb.ID == creator.ID {
			continue
		}
		all = append(all, mb)
		if creator.TeamID != "" && mb.TeamID == creator.TeamID {
			team = append(team, mb)
		}
	}
	cands := team
	if len(cands) == 0 {
		cands = all
	}
	if len(cands) == 0 {
		return domain.Member{}, false, nil
	}
	// Stable order first: the earliest member wins every tie.
	sort.SliceStable(cands, func(i, j int) bool {
		if !cands[i].CreatedAt.Equal(cands[j].CreatedAt) {
			return cands[i].CreatedAt.Before(cands[j].CreatedAt)
		}
		return cands[i].ID < cands[j].ID
	})
	ids := make([]string, len(cands))
	for i, c := range cands {
		ids[i] = c.ID
	}
	switch h.Routing {
	case RoutingFixed:
		return cands[0], true, nil
	case RoutingRoundRobin:
		last, err := h.store.LastAssigned(ctx, tenant, ids)
		if err != nil {
			return domain.Member{}, false, err
		}
		best := cands[0]
		for _, c := range cands[1:] {
			if last[c.ID].Before(last[best.ID]) {
				best = c
			}
		}
		return best, true, nil
	}
	load, err := h.store.OpenTaskLoad(ctx, tenant, ids)
	if err != nil {
		return domain.Member{}, false, err
	}
	best := cands[0]
	for _, c := range cands[1:] {
		if load[c.ID] < load[best.ID] {
			best = c
		}
	}
	return best, true, nil
}

// taskDueHour is the time of day a task due on a date (no clock time) is
// due: the end of the working day.
const taskDueHour = 18

// dueOf reads a task's due time: the parser's due, else the first date in
// the text (a date alone is due at 18:00 that day).
func (h *Tasks) dueOf(it parse.Item, text string, at time.Time) (time.Time, bool) {
	s := it.Due
	if s == "" {
		s = it.NextAt
	}
	if t, err := time.ParseInLocation(parse.DateTimeLayout, s, h.loc); err == nil {
		return t, true
	}
	if t, err := time.ParseInLocation(parse.DateLayout, s, h.loc); err == nil {
		return t.Add(taskDueHour * time.Hour), true
	}
	for _, e := range parse.Extract(text, at) {
		if e.Dim != parse.DimTime {
			continue
		}
		y, mo, d := e.Time.Date()
		if e.Grain == parse.GrainMinute || e.Grain == parse.GrainHour {
			return time.Date(y, mo, d, e.Time.Hour(), e.Time.Minute(), 0, 0, h.loc), true
		}
		return time.Date(y, mo, d, taskDueHour, 0, 0, 0, h.loc), true
	}
	return time.Time{}, false
}

var (
	taskMentions = regexp.MustCompile(`[@＠]\S+\s*`)
	taskSlash    = regexp.MustCompile(`^/\S+\s*`)
)

// taskTitle is what the task says, without the command and the mentions.
func taskTitle(text string) string {
	t := taskSlash.ReplaceAllString(strings.TrimSpace(text), "")
	t = strings.TrimSpace(taskMentions.ReplaceAllString(t, ""))
	if t == "" {
		t = text
	}
	return oneLine(t, 100)
}

// taskState is a task as its audit rows record it.
func taskState(t domain.Task) map[string]any {
	s := map[string]any{"status": t.Status, "assignee_id": t.AssigneeID, "assignee_role": string(t.AssigneeRole),
		"creator_id": t.CreatorID, "title": t.Title}
	if t.CustomerID != "" {
		s["customer_id"] = t.CustomerID
	}
	if !t.DueAt.IsZero() {
		s["due_at"] = t.DueAt.UTC().Format(time.RFC3339)
	}
	return s
}
