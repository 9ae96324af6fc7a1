package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/salesbot/salesbot/domain"
)

// demoData is a fictional company, dated relative to a day, so that every
// card and digest has real-looking data to show.
type demoData struct {
	Teams         []domain.Team
	Members       []domain.Member
	Customers     []domain.Customer
	Contacts      []domain.Contact
	Opportunities []domain.Opportunity
	FollowUps     []domain.FollowUp
	Collections   []domain.Collection
	Tasks         []domain.Task
	Targets       []domain.Target
	Stats         []domain.DailyStat
}

var demoCustomers = []struct{ name, aliases, contact, title string }{
	{"星河科技", "星河", "张伟", "张总"}, {"远航物流", "远航", "李强", "李经理"},
	{"华辰制造", "华辰", "王芳", "王总监"}, {"云启数据", "云启", "刘洋", "刘总"},
	{"博远教育", "博远", "陈静", "陈主任"}, {"恒信金融", "恒信", "杨帆", "杨行长"},
	{"绿源环保", "绿源", "赵磊", "赵工"}, {"金桥建设", "金桥", "黄敏", "黄经理"},
	{"瑞康医疗", "瑞康", "周杰", "周总"}, {"天诚律师事务所", "天诚律所|天诚", "吴倩", "吴主任"},
	{"顺达快运", "顺达", "徐涛", "徐经理"}, {"东方纺织", "东纺", "孙丽", "孙总"},
	{"新锐传媒", "新锐", "马超", "马总监"}, {"海川电子", "海川", "朱琳", "朱经理"},
	{"嘉禾食品", "嘉禾", "胡军", "胡总"}, {"正泰安防", "正泰", "郭峰", "郭工"},
	{"明德医药", "明德", "林晓", "林主管"}, {"凯悦酒店集团", "凯悦", "何静", "何经理"},
	{"华夏保险", "华夏", "高远", "高总"}, {"智联汽车", "智联", "罗刚", "罗总监"},
	{"银河证券营业部", "银河证券", "梁冰", "梁经理"}, {"春晖幼教", "春晖", "宋佳", "宋老师"},
	{"鼎盛地产", "鼎盛", "谢宁", "谢总"}, {"蓝海航运", "蓝海", "韩雪", "韩经理"},
	{"长江能源", "长江", "唐勇", "唐总"}, {"北辰机械", "北辰", "冯丽", "冯会计"},
	{"万象零售", "万象", "董明", "董总"}, {"信达税务师事务所", "信达", "曹颖", "曹主任"},
	{"光合农业", "光合", "彭飞", "彭经理"}, {"飞鸿文旅", "飞鸿", "曾敏", "曾总"},
	{"启航软件", "启航", "吕博", "吕工"}, {"安居物业", "安居", "苏婷", "苏主管"},
}

// newDemo builds the demo company as of now in loc. The same day gives the
// same company: the random source is seeded.
func newDemo(tenant string, now time.Time, loc *time.Location) *demoData {
	rng := rand.New(rand.NewPCG(20261127, 7))
	d := &demoData{}
	today := time.Date(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day(), 0, 0, 0, 0, loc)
	at := func(daysAgo, hour, minute int) time.Time {
		return today.AddDate(0, 0, -daysAgo).Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute)
	}
	member := func(name string, role domain.Role, team, manager string) domain.Member {
		m := domain.Member{ID: domain.NewID(), TenantID: tenant, Name: name, Role: role, TeamID: team,
			ManagerID: manager, Active: true, CreatedAt: at(70, 9, 0)}
		d.Members = append(d.Members, m)
		return m
	}

	dept := domain.Team{ID: domain.NewID(), TenantID: tenant, Name: "销售部"}
	d.Teams = append(d.Teams, dept)
	admin := member("周敏", domain.RoleAdmin, "", "")
	director := member("孙总", domain.RoleManager, dept.ID, "")
	dept.ManagerID = director.ID
	d.Teams[0] = dept

	teamDefs := []struct {
		name, manager string
		reps          []string
	}{
		{"华东一组", "陈经理", []string{"刘洋洋", "张晓明", "李思雨", "王浩"}},
		{"华东二组", "林经理", []string{"赵婷", "钱进", "孙悦", "吴昊", "郑凯"}},
		{"华南组", "黄经理", []string{"何佳", "邓超然", "许晴", "冯立"}},
	}
	var reps []domain.Member
	for _, td := range teamDefs {
		team := domain.Team{ID: domain.NewID(), TenantID: tenant, ParentID: dept.ID, Name: td.name}
		mgr := member(td.manager, domain.RoleManager, team.ID, director.ID)
		team.ManagerID = mgr.ID
		d.Teams = append(d.Teams, team)
		for _, r := range td.reps {
			reps = append(reps, member(r, domain.RoleSales, team.ID, mgr.ID))
		}
	}
	presales := []domain.Member{
		member("王工", domain.RolePresales, dept.ID, director.ID),
		member("赵工", domain.RolePresales, dept.ID, director.ID),
	}
	finance := []domain.Member{
		member("李娜", domain.RoleFinance, "", admin.ID),
		member("陈会计", domain.RoleFinance, "", admin.ID),
	}

	stats := map[string]*domain.DailyStat{}
	stat := func(m domain.Member, t time.Time) *domain.DailyStat {
		day := t.In(loc).Format(time.DateOnly)
		k := m.ID + day
		if stats[k] == nil {
			stats[k] = &domain.DailyStat{TenantID: tenant, MemberID: m.ID, TeamID: m.TeamID, Day: day}
		}
		return stats[k]
	}

	stages := []domain.Stage{domain.StageLead, domain.StageQualify, domain.StageProposal,
		domain.StageNegotiation, domain.StageWon, domain.StageLost}
	for i, c := range demoCustomers {
		owner := reps[i%len(reps)]
		created := at(40+rng.IntN(20), 10, 0)
		if i%6 == 0 { // some customers are new this month
			created = at(rng.IntN(max(today.Day()-1, 1)), 11, 0)
		}
		cust := domain.Customer{ID: domain.NewID(), TenantID: tenant, Name: c.name, OwnerID: owner.ID, CreatedAt: created}
		cust.Aliases = splitAliases(c.aliases)
		d.Customers = append(d.Customers, cust)
		stat(owner, created).NewCustomers++
		contact := domain.Contact{ID: domain.NewID(), TenantID: tenant, CustomerID: cust.ID, Name: c.contact, Title: c.title}
		d.Contacts = append(d.Contacts, contact)

		stage := stages[i%len(stages)]
		amount := domain.Yuan(float64((5 + rng.IntN(60)) * 10000))
		opp := domain.Opportunity{ID: domain.NewID(), TenantID: tenant, CustomerID: cust.ID, OwnerID: owner.ID,
			Name: c.name + " 项目", Stage: stage, Amount: amount, Currency: "CNY",
			ExpectedClose: today.AddDate(0, 0, 10+rng.IntN(50)), CreatedAt: created, UpdatedAt: created}
		if stage.Closed() {
			opp.ClosedAt = at(rng.IntN(25), 16, 0)
			opp.ExpectedClose = opp.ClosedAt
			if stage == domain.StageWon {
				stat(owner, opp.ClosedAt).Signed += amount
			}
		}
		d.Opportunities = append(d.Opportunities, opp)
	}

	// Two months of follow-ups: most reps report most workdays.
	activities := []domain.Activity{domain.ActivityVisit, domain.ActivityCall, domain.ActivityWeChat,
		domain.ActivityMeeting, domain.ActivityDemo, domain.ActivityEmail}
	for daysAgo := 60; daysAgo >= 1; daysAgo-- {
		day := today.AddDate(0, 0, -daysAgo)
		if day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
			continue
		}
		for ri, rep := range reps {
			if rng.IntN(10) < 3 {
				continue
			}
			// Stale deals: the last few customers get no follow-up for weeks.
			oi := (ri + len(reps)*rng.IntN(3)) % len(d.Opportunities)
			if oi >= len(d.Opportunities)-3 && daysAgo < 20 {
				continue
			}
			opp := &d.Opportunities[oi]
			cust, contact := d.Customers[oi], d.Contacts[oi]
			act := activities[rng.IntN(len(activities))]
			t := day.Add(time.Duration(9+rng.IntN(9))*time.Hour + time.Duration(rng.IntN(60))*time.Minute)
			next := day.AddDate(0, 0, 2+rng.IntN(8))
			fu := domain.FollowUp{ID: domain.NewID(), TenantID: tenant, MemberID: rep.ID, CustomerID: cust.ID,
				ContactID: contact.ID, OpportunityID: opp.ID, Activity: act, Currency: "CNY",
				NextAt: next, Status: domain.FollowUpActive, SourcePlatform: "demo",
				SourceEventID: "demo-" + domain.NewID(), CreatedAt: t}
			fu.Text = fmt.Sprintf("%s%s%s,%s,%s再跟进", demoVerb(act), cust.Name, contact.Title,
				demoTopic(rng), next.Format("1月2日"))
			if rng.IntN(3) == 0 {
				fu.Amount = opp.Amount
				fu.Text = fmt.Sprintf("%s%s%s,报价%s,%s再约", demoVerb(act), cust.Name, contact.Title,
					opp.Amount, next.Format("1月2日"))
				fu.Stage = domain.StageProposal
			}
			if t.After(opp.LastFollowUpAt) {
				opp.LastFollowUpAt = t
			}
			d.FollowUps = append(d.FollowUps, fu)
			stat(rep, t).FollowUps++
		}
	}

	// Deals won this month, so the progress cards show a spread of pace:
	// some reps ahead of time progress, some behind.
	if elapsed := today.Day() - 1; elapsed > 0 {
		for ri, rep := range reps {
			for k := range ri % 4 {
				ci := (ri + k*len(reps)) % len(d.Customers)
				cust := d.Customers[ci]
				closed := at(1+rng.IntN(elapsed), 15, 0)
				amount := domain.Yuan(float64((8 + rng.IntN(25)) * 10000))
				d.Opportunities = append(d.Opportunities, domain.Opportunity{ID: domain.NewID(), TenantID: tenant,
					CustomerID: cust.ID, OwnerID: rep.ID, Name: cust.Name + " 续约", Stage: domain.StageWon,
					Amount: amount, Currency: "CNY", ExpectedClose: closed, ClosedAt: closed,
					CreatedAt: at(45, 10, 0), UpdatedAt: closed})
				stat(rep, closed).Signed += amount
			}
		}
	}

	// Collections: confirmed ones count toward targets; some are pending
	// finance's confirmation; some planned, a few overdue.
	for i, opp := range d.Opportunities {
		if opp.Stage != domain.StageWon && opp.Stage != domain.StageNegotiation {
			continue
		}
		owner := memberByID(d.Members, opp.OwnerID)
		col := domain.Collection{ID: domain.NewID(), TenantID: tenant, CustomerID: opp.CustomerID,
			OpportunityID: opp.ID, MemberID: opp.OwnerID, Currency: "CNY", Amount: opp.Amount / 2,
			SourceEventID: "demo-" + domain.NewID()}
		switch i % 4 {
		case 0:
			col.Status, col.ConfirmedAmount = domain.CollectionConfirmed, col.Amount
			col.ConfirmedBy, col.ConfirmedAt = finance[i%2].ID, at(rng.IntN(20)+1, 15, 30)
			col.CreatedAt = col.ConfirmedAt.Add(-2 * time.Hour)
			stat(owner, col.ConfirmedAt).Collected += col.ConfirmedAmount
		case 1:
			col.Status, col.CreatedAt = domain.CollectionPending, at(1+rng.IntN(3), 14, 0)
		case 2:
			col.Status, col.CreatedAt = domain.CollectionPlanned, at(20, 10, 0)
			col.DueDate = today.AddDate(0, 0, -3-rng.IntN(10)) // overdue
		default:
			col.Status, col.CreatedAt = domain.CollectionPlanned, at(5, 10, 0)
			col.DueDate = today.AddDate(0, 0, 5+rng.IntN(20))
		}
		d.Collections = append(d.Collections, col)
	}

	taskDefs := []struct {
		title    string
		role     domain.Role
		status   string
		dueDays  int
		assignee domain.Member
	}{
		{"给星河科技出一版技术方案", domain.RolePresales, domain.TaskAccepted, 2, presales[0]},
		{"去华辰制造做产品演示", domain.RolePresales, domain.TaskOpen, 5, presales[1]},
		{"云启数据 POC 测试环境搭建", domain.RolePresales, domain.TaskAccepted, -2, presales[0]},
		{"给远航物流开票", domain.RoleFinance, domain.TaskOpen, 1, finance[0]},
		{"恒信金融合同付款确认", domain.RoleFinance, domain.TaskOpen, -1, finance[1]},
		{"博远教育技术交流材料", domain.RolePresales, domain.TaskDone, -5, presales[1]},
		{"瑞康医疗开具发票", domain.RoleFinance, domain.TaskDone, -8, finance[0]},
	}
	for i, td := range taskDefs {
		task := domain.Task{ID: domain.NewID(), TenantID: tenant, CreatorID: reps[i%len(reps)].ID,
			AssigneeID: td.assignee.ID, AssigneeRole: td.role, CustomerID: d.Customers[i].ID, Title: td.title,
			DueAt: today.AddDate(0, 0, td.dueDays).Add(18 * time.Hour), Status: td.status, CreatedAt: at(7+i, 10, 0)}
		if td.status == domain.TaskDone {
			task.DoneAt = task.DueAt.Add(-3 * time.Hour)
		}
		d.Tasks = append(d.Tasks, task)
	}

	d.Targets = demoTargets(tenant, d, reps, today, director.ID)
	for _, s := range stats {
		d.Stats = append(d.Stats, *s)
	}
	return d
}

// demoTargets sets month and quarter targets for the company, each team and
// each rep, so that the parts add up.
func demoTargets(tenant string, d *demoData, reps []domain.Member, today time.Time, by string) []domain.Target {
	month := today.Format("2006-01")
	quarter := fmt.Sprintf("%d-Q%d", today.Year(), (int(today.Month())-1)/3+1)
	perRep := map[domain.Metric]int64{
		domain.MetricSigned:       int64(domain.Yuan(500000)),
		domain.MetricCollected:    int64(domain.Yuan(500000)),
		domain.MetricNewCustomers: 3,
		domain.MetricFollowUps:    40,
	}
	var out []domain.Target
	add := func(scope domain.Scope, id, period string, metric domain.Metric, v int64) {
		for tier, mult := range map[domain.Tier]float64{domain.TierTarget: 1, domain.TierStretch: 1.2, domain.TierChallenge: 1.5} {
			out = append(out, domain.Target{ID: domain.NewID(), TenantID: tenant, Scope: scope, ScopeID: id,
				Metric: metric, Period: period, Tier: tier, Value: int64(float64(v) * mult), CreatedBy: by,
				CreatedAt: today.AddDate(0, 0, -today.Day()+1)})
		}
	}
	for metric, v := range perRep {
		teamTotals := map[string]int64{}
		for _, r := range reps {
			add(domain.ScopeMember, r.ID, month, metric, v)
			add(domain.ScopeMember, r.ID, quarter, metric, 3*v)
			teamTotals[r.TeamID] += v
		}
		var company int64
		for team, total := range teamTotals {
			add(domain.ScopeTeam, team, month, metric, total)
			add(domain.ScopeTeam, team, quarter, metric, 3*total)
			company += total
		}
		add(domain.ScopeCompany, "", month, metric, company)
		add(domain.ScopeCompany, "", quarter, metric, 3*company)
	}
	return out
}

func demoVerb(a domain.Activity) string {
	switch a {
	case domain.ActivityVisit:
		return "今天拜访了"
	case domain.ActivityCall:
		return "电话沟通了"
	case domain.ActivityWeChat:
		return "微信联系了"
	case domain.ActivityMeeting:
		return "开会讨论,参会:"
	case domain.ActivityDemo:
		return "给客户做了演示:"
	}
	return "发邮件给"
}

func demoTopic(rng *rand.Rand) string {
	topics := []string{"聊了ERP升级需求", "确认了采购流程", "客户在比较竞品", "需求基本明确",
		"对方要内部再评估", "谈了付款方式", "约了技术交流", "客户对价格有顾虑"}
	return topics[rng.IntN(len(topics))]
}

func memberByID(ms []domain.Member, id string) domain.Member {
	for _, m := range ms {
		if m.ID == id {
			return m
		}
	}
	return domain.Member{}
}

func splitAliases(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '|' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}

// loadDemo stores the demo company in one transaction, unless the tenant
// already has members (the demo was loaded before, or this is real data).
func (m *Main) loadDemo(ctx context.Context) error {
	members, err := m.Store.Members(ctx, m.Tenant.ID)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if len(members) > 0 {
		m.Log.Info("demo company not loaded: the database already has members", "members", len(members))
		return nil
	}
	d := newDemo(m.Tenant.ID, m.Now(), m.Config.Location())
	st := m.Store
	err = st.InTx(ctx, func(ctx context.Context) error {
		for _, t := range d.Teams {
			if _, err := st.CreateTeam(ctx, t); err != nil {
				return err
			}
		}
		for _, x := range d.Members {
			if _, err := st.CreateMember(ctx, x); err != nil {
				return err
			}
		}
		for _, x := range d.Customers {
			if _, err := st.CreateCustomer(ctx, x); err != nil {
				return err
			}
		}
		for _, x := range d.Contacts {
			if _, err := st.CreateContact(ctx, x); err != nil {
				return err
			}
		}
		for _, x := range d.Opportunities {
			if _, err := st.CreateOpportunity(ctx, x); err != nil {
				return err
			}
		}
		for _, x := range d.FollowUps {
			if _, err := st.CreateFollowUp(ctx, x); err != nil {
				return err
			}
		}
		for _, x := range d.Collections {
			if _, err := st.CreateCollection(ctx, x); err != nil {
				return err
			}
		}
		for _, x := range d.Tasks {
			if _, err := st.CreateTask(ctx, x); err != nil {
				return err
			}
		}
		for _, x := range d.Targets {
			if _, err := st.SetTarget(ctx, x); err != nil {
				return err
			}
		}
		for _, x := range d.Stats {
			if err := st.AddDailyStat(ctx, x); err != nil {
				return err
			}
		}
		_, err := st.EnsureChat(ctx, domain.Chat{TenantID: m.Tenant.ID, Platform: "console", PlatformChatID: "finance",
			Name: "财务群", Kind: domain.ChatGroup, Purpose: domain.PurposeFinance})
		return err
	})
	if err != nil {
		return fmt.Errorf("load demo: %w", err)
	}
	m.Log.Info("demo company loaded", "teams", len(d.Teams), "members", len(d.Members),
		"customers", len(d.Customers), "followups", len(d.FollowUps), "collections", len(d.Collections),
		"tasks", len(d.Tasks), "targets", len(d.Targets))
	return nil
}
