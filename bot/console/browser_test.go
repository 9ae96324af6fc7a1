package console

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/console/consoletest"
)

// TestPageInBrowser drives the page as a person would: pick who you are, open
// your chat with the bot, type and press Enter, press a button on the bot's
// card (confirming the dialog), and see the toast and the updated card.
func TestPageInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	e := newTestEnv(t)
	// Some history in the team group, so the page has something to show.
	if _, err := e.a.Send(context.Background(), bot.Outgoing{To: bot.Target{ChatID: "g-east"}, Card: progressCard()}); err != nil {
		t.Fatal(err)
	}
	browser := consoletest.NewBrowser(t)
	ctx, cancel := context.WithTimeout(browser, 60*time.Second)
	defer cancel()

	// Accept the confirm dialog of the 撤销 button.
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()

	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			consoletest.SaveScreenshot(browser, t)
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	// until waits for a JavaScript condition to hold.
	until := func(what, cond string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
			consoletest.SaveScreenshot(browser, t)
			t.Fatalf("waiting for %s: %v", what, err)
		}
	}

	step("open the page",
		chromedp.EmulateViewport(1280, 860),
		chromedp.Navigate(e.srv.URL+"/"),
		chromedp.WaitReady(chromedp.CSS(`#member option[value="m-li"]`)),
	)
	until("the group's card", `document.querySelector('.msg-bot .card-title')?.textContent === '本月进度'`)

	step("pick 李四",
		chromedp.SetValue(chromedp.CSS("#member"), "m-li"),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`document.getElementById('member').dispatchEvent(new Event('change'))`)(ctx, tg)
			return err
		}),
		chromedp.Click(chromedp.CSS(`#dms button[data-chat="dm:m-li"]`), chromedp.NodeVisible),
	)
	until("the dm header", `document.getElementById('chat-name').textContent === '李四 · 与机器人私聊'`)

	step("say 你好",
		chromedp.Click(chromedp.CSS("#text"), chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.CSS("#text"), "你好"),
		chromedp.SendKeys(chromedp.CSS("#text"), kb.Enter),
	)
	until("the bot's card", `document.querySelector('.msg-bot .card .card-header .card-title')?.textContent === '已记录跟进'`)
	if got := text(".msg-own .bubble"); got != "你好" {
		t.Errorf("own bubble = %q", got)
	}
	if got := text(".msg-bot .quote"); !strings.Contains(got, "李四") || !strings.Contains(got, "你好") {
		t.Errorf("reply quote = %q", got)
	}
	evs := e.sink.recorded()
	if len(evs) != 1 || evs[0].Chat.ID != "dm:m-li" || evs[0].Sender.ID != "m-li" || evs[0].Text != "你好" {
		t.Fatalf("delivered %+v", evs)
	}
	// The card is rendered, not dumped: header colour, fields, bars, escaped note.
	until("the card's parts", `(() => {
		const c = document.querySelector('.msg-bot .card');
		return c.querySelector('.card-header.card-success') && c.querySelectorAll('.card-fields dt').length === 4 &&
			c.querySelectorAll('.prog-bar .prog-marker').length === 2 && c.querySelector('.card-md strong')?.textContent === '拜访' &&
			c.querySelectorAll('.card-md li').length === 2 && c.querySelector('img.card-image')?.src.startsWith('data:image/png;base64,') &&
			c.querySelector('.card-note')?.textContent.includes('<script>') && !c.querySelector('script');
	})()`)
	if got, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#text"))); err != nil || got != "" {
		t.Errorf("composer not cleared: %q, %v", got, err)
	}
	consoletest.SaveScreenshot(ctx, t) // the richest view: the full card

	step("press 撤销", chromedp.Click(chromedp.CSS(`.msg-bot .card button[data-action="followup.undo"]`), chromedp.NodeVisible))
	until("the toast", `document.getElementById('toast').textContent === '已撤销' && !document.getElementById('toast').hidden`)
	until("the updated card", `document.querySelector('.msg-bot .card-title')?.textContent === '已撤销跟进' &&
		document.querySelectorAll('.msg-bot .card').length === 1 && document.querySelector('.msg-bot button[data-action="followup.redo"]') !== null`)
	if evs := e.sink.recorded(); len(evs) != 2 || evs[1].Action == nil || evs[1].Action.ID != "followup.undo" || evs[1].Sender.ID != "m-li" {
		t.Errorf("delivered %+v", evs)
	}

	visible, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(visible, `{"`) || strings.Contains(visible, secretRef) {
		t.Errorf("the page shows raw JSON:\n%s", visible)
	}
	// The choice of member survives a reload.
	step("reload", chromedp.Reload())
	until("李四 remembered", `document.getElementById('member').value === 'm-li' &&
		document.getElementById('chat-name').textContent === '李四 · 与机器人私聊'`)
	until("history after reload", `document.querySelectorAll('.msg').length === 2`)
}

// progressCard is the morning progress card of a team.
func progressCard() *bot.Card {
	return &bot.Card{
		Header: bot.Header{Title: "本月进度", Subtitle: "华东一组 · 3月12日", Status: bot.StatusInfo},
		Elements: []bot.Element{
			bot.Progress(
				bot.ProgressRow{Label: "张三 签约 80万/100万", Percent: 80, Marker: 38},
				bot.ProgressRow{Label: "李四 签约 20万/100万", Percent: 20, Marker: 38, Note: "落后时间进度 18%"},
			),
			bot.Note("时间进度按工作日计算"),
		},
	}
}
