package dingtalktest

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot/dingtalk"

	"github.com/salesbot/salesbot/bot/bottest"
)

// PathRobot is the custom group robots' webhook (PLATFORMS.md §3.4).
const PathRobot = "/robot/send"

// Custom robot limits: 20 messages a minute, then 10 minutes of 130101.
const (
	robotPerMinute = 20
	robotBlock     = 10 * time.Minute
	robotWindow    = time.Hour // how far the signed timestamp may be off
)

// RobotMessage is one message a custom group robot posted.
type RobotMessage struct {
	// AccessToken names the robot.
	AccessToken string
	// MsgType is text or markdown; Text the content or markdown text.
	MsgType string
	Title   string
	Text    string
	// AtUserIDs are the staffIds @-mentioned.
	AtUserIDs []string
	// At is when the emulator accepted it (its clock).
	At time.Time
}

// robotState is the emulator's custom robots, guarded by Emulator.mu.
type robotState struct {
	now     func() time.Time
	secrets map[string]string      // access_token → 加签 secret
	recent  map[string][]time.Time // access_token → sends in the last minute
	blocked map[string]time.Time   // access_token → throttled until
	msgs    []RobotMessage
}

func (s *robotState) init() {
	if s.secrets == nil {
		s.secrets, s.recent, s.blocked = map[string]string{}, map[string][]time.Time{}, map[string]time.Time{}
	}
}

func (s *robotState) clock() time.Time {
	if s.now == nil {
		return time.Now()
	}
	return s.now()
}

// AddRobot creates a custom robot with 加签 and returns its webhook URL
// (without timestamp and sign, as DingTalk shows it).
func (e *Emulator) AddRobot(accessToken, secret string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.robots.init()
	e.robots.secrets[accessToken] = secret
	return e.srv.URL + PathRobot + "?access_token=" + accessToken
}

// SetRobotClock sets the clock that robot signatures and throttling are
// judged by (time.Now by default): the bot's, when a test moves it.
func (e *Emulator) SetRobotClock(now func() time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.robots.now = now
}

// ThrottleRobot puts a robot into DingTalk's 10-minute block from now, as
// if it had sent more than 20 messages in the last minute.
func (e *Emulator) ThrottleRobot(accessToken string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.robots.init()
	e.robots.blocked[accessToken] = e.robots.clock().Add(robotBlock)
}

// RobotMessages returns what the custom robots posted so far.
func (e *Emulator) RobotMessages() []RobotMessage {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]RobotMessage(nil), e.robots.msgs...)
}

// WaitRobot polls the robots' messages until ok, or fails the test after
// timeout.
func (e *Emulator) WaitRobot(t testing.TB, timeout time.Duration, what string, ok func([]RobotMessage) bool) []RobotMessage {
	t.Helper()
	return bottest.Await(t, timeout, "dingtalk emulator: "+what, e.RobotMessages, ok)
}

// robotSend is POST /robot/send?access_token=&timestamp=&sign=: DingTalk
// answers 200 with an errcode for everything. A fault queued with Fail
// answers its Status (when not 200) or errcode Code.
func (e *Emulator) robotSend(w http.ResponseWriter, r *http.Request) {
	errcode := func(code int, msg string) {
		writeJSON(w, 200, map[string]any{"errcode": code, "errmsg": msg})
	}
	if f, ok := e.begin(PathRobot); ok {
		if f.Status != 0 && f.Status != 200 {
			http.Error(w, f.Message, f.Status)
			return
		}
		code, _ := strconv.Atoi(f.Code)
		errcode(code, f.Message)
		return
	}
	q := r.URL.Query()
	tok, ts, sign := q.Get("access_token"), q.Get("timestamp"), q.Get("sign")
	e.mu.Lock()
	secret, known := e.robots.secrets[tok]
	now := e.robots.clock()
	e.mu.Unlock()
	if !known {
		errcode(300001, "token is not exist")
		return
	}
	// 加签: every failed security check is 310000.
	ms, err := strconv.ParseInt(ts, 10, 64)
	switch {
	case ts == "" || sign == "" || err != nil:
		errcode(310000, "sign not match, more: missing timestamp or sign")
		return
	case now.Sub(time.UnixMilli(ms)).Abs() > robotWindow:
		errcode(310000, "sign not match, more: timestamp "+ts+" is more than 1 hour from now")
		return
	case subtle.ConstantTimeCompare([]byte(sign), []byte(dingtalk.Sign(ts, secret))) != 1:
		errcode(310000, "sign not match")
		return
	}
	var req struct {
		MsgType  string            `json:"msgtype"`
		Text     map[string]string `json:"text"`
		Markdown map[string]string `json:"markdown"`
		At       struct {
			AtUserIDs []string `json:"atUserIds"`
		} `json:"at"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		errcode(400102, "body is not JSON")
		return
	}
	m := RobotMessage{AccessToken: tok, MsgType: req.MsgType, AtUserIDs: req.At.AtUserIDs, At: now}
	switch req.MsgType {
	case "text":
		m.Text = req.Text["content"]
	case "markdown":
		m.Title, m.Text = req.Markdown["title"], req.Markdown["text"]
		if m.Title == "" {
			errcode(400102, "markdown title is empty")
			return
		}
	default:
		errcode(400105, fmt.Sprintf("不支持的消息类型 %q", req.MsgType))
		return
	}
	if strings.TrimSpace(m.Text) == "" {
		errcode(400102, "content is empty")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if until, ok := e.robots.blocked[tok]; ok && now.Before(until) {
		errcode(throttled, throttledMsg)
		return
	}
	recent := e.robots.recent[tok][:0]
	for _, at := range e.robots.recent[tok] {
		if now.Sub(at) < time.Minute {
			recent = append(recent, at)
		}
	}
	if len(recent) >= robotPerMinute {
		e.robots.recent[tok] = recent
		e.robots.blocked[tok] = now.Add(robotBlock)
		errcode(throttled, throttledMsg)
		return
	}
	e.robots.recent[tok] = append(recent, now)
	e.robots.msgs = append(e.robots.msgs, m)
	errcode(0, "ok")
}

const (
	throttled    = 130101
	throttledMsg = "send too fast, exceed 20 times per minute"
)
