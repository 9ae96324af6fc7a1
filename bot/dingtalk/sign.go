package dingtalk

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strconv"
	"time"
)

// Sign returns DingTalk's signature of a timestamp (ms, as sent): base64
// HMAC-SHA256 of timestamp + "\n" + secret, keyed with the secret.
func Sign(timestamp, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp + "\n" + secret))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// checkSign verifies the timestamp and sign headers: the timestamp within
// signWindow of now and the sign equal, compared in constant time. It
// returns why a request is refused, or "".
func checkSign(timestamp, sign, secret string, now time.Time) string {
	if timestamp == "" || sign == "" {
		return "missing timestamp or sign"
	}
	ms, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return "bad timestamp"
	}
	if d := now.Sub(time.UnixMilli(ms)); d > signWindow || d < -signWindow {
		return "timestamp outside the 1 h window"
	}
	want := Sign(timestamp, secret)
	if subtle.ConstantTimeCompare([]byte(sign), []byte(want)) != 1 {
		return "bad sign"
	}
	return ""
}
