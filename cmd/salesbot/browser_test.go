package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/salesbot/salesbot/bot/console/consoletest"
)

// TestConsoleInBrowser is the README's promise, end to end: the real Main
// with the demo company on SQLite, the console page in headless Chromium, a
// rep picks themself and their team's chat, says 帮助, and reads the help
// card rendered as a card.
func TestConsoleInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	tm := startMain(t, "", true)
	rep := tm.member(t, "sales")
	var chats []apiChat
	tm.get(t, "/console/api/chats", &chats)
	var team apiChat
	for _, c := range chats {
		if c.Team == rep.Team {
			team = c
		}
	}
	if team.ID == "" {
		t.Fatalf("no chat for %s's team %s in %v", rep.Name, rep.Team, chats)
	}

	browser := consoletest.NewBrowser(t)
	ctx, cancel := context.WithTimeout(browser, 60*time.Second)
	defer cancel()
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			consoletest.SaveScreenshot(browser, t)
			t.Fatalf("%s: %v", what, err)
		}
	}
	until := func(what, cond string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
			consoletest.SaveScreenshot(browser, t)
			t.Fatalf("waiting for %s: %v", what, err)
		}
	}

	step("open the console",
		chromedp.Navigate(tm.url+"/"),
		chromedp.WaitReady(chromedp.CSS(fmt.Sprintf(`#member option[value=%q]`, rep.ID))),
		chromedp.SetValue(chromedp.CSS("#member"), rep.ID),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`document.getElementById('member').dispatchEvent(new Event('change'))`)(ctx, tg)
			return err
		}),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#groups button[data-chat=%q]`, team.ID)), chromedp.NodeVisible),
	)
	until("the team chat", fmt.Sprintf(`document.getElementById('chat-name').textContent === %q`, team.Name))

	step("say 帮助",
		chromedp.Click(chromedp.CSS("#text"), chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.CSS("#text"), "帮助"),
		chromedp.SendKeys(chromedp.CSS("#text"), kb.Enter),
	)
	until("the help card", `document.querySelector('.msg-bot .card .card-title')?.textContent === '销售助手 · 使用帮助'`)
	until("the card's sections", `document.querySelectorAll('.msg-bot .card .card-md strong').length >= 3 &&
		document.querySelectorAll('.msg-bot .card .card-md li').length >= 6`)
	consoletest.SaveScreenshot(ctx, t)

	visible, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(visible, `{"`) || strings.Contains(visible, `"kind"`) {
		t.Errorf("the page shows raw JSON:\n%s", visible)
	}
	for _, want := range []string{rep.Name, "拜访了星河科技张总", "销售助手"} {
		if !strings.Contains(visible, want) {
			t.Errorf("the page does not show %q", want)
		}
	}
}
