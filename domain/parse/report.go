package parse

import (
	"strings"
	"unicode/utf8"
)

// reportHeaders start a daily report.
var reportHeaders = []string{"今日汇报", "今日小结", "今日总结", "今日工作", "今天工作", "工作汇报", "工作日报", "日报", "今日跟进", "今天跟进", "今日拜访", "汇报一下", "今日进展", "今日战报",
	"daily report", "today's report", "daily update", "eod report", "end of day"}

// reportLines splits a daily report into its lines, numbering removed. A
// message is a report when its first line is a header (今日汇报, 日报 …)
// followed by lines, or when it has two or more numbered lines.
func reportLines(t string) ([]string, bool) {
	if !strings.ContainsRune(t, '\n') {
		return inlineReport(t)
	}
	raw := strings.Split(t, "\n")
	var lines []string
	numbered := 0
	header := false
	for i, l := range raw {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if i == 0 && isReportHeader(l) {
			header = true
			continue
		}
		body, ok := stripNumber(l)
		if ok {
			numbered++
		} else if len(lines) > 0 && !header {
			// An unnumbered line continues the previous numbered one.
			lines[len(lines)-1] += "," + l
			continue
		}
		if body != "" {
			lines = append(lines, body)
		}
	}
	if len(lines) > 0 && (header || numbered >= 2) {
		return lines, true
	}
	return nil, false
}

// inlineReport splits "今日汇报:1.拜访… 2.电话…" written on one line.
func inlineReport(t string) ([]string, bool) {
	if !isReportHeader(t) {
		return nil, false
	}
	var parts []string
	start := -1
	for i := 0; i < len(t); {
		if i == 0 || t[i-1] == ' ' || t[i-1] == ':' || t[i-1] == ';' || strings.HasSuffix(t[:i], "：") || strings.HasSuffix(t[:i], "；") || strings.HasSuffix(t[:i], "，") || strings.HasSuffix(t[:i], "。") {
			if _, n := numberPrefix(t[i:]); n > 0 {
				if start >= 0 {
					parts = append(parts, strings.Trim(strings.TrimSpace(t[start:i]), ";；，,。"))
				}
				start = i + n
				i += n
				continue
			}
		}
		_, size := utf8.DecodeRuneInString(t[i:])
		i += size
	}
	if start < 0 || len(parts) == 0 {
		return nil, false
	}
	parts = append(parts, strings.Trim(strings.TrimSpace(t[start:]), ";；，,。"))
	return parts, true
}

func isReportHeader(l string) bool {
	low := strings.ToLower(l)
	for _, h := range reportHeaders {
		if strings.HasPrefix(low, h) || strings.HasPrefix(strings.TrimLeft(low, "【[#* "), h) {
			return true
		}
	}
	return false
}

// stripNumber removes a line's numbering (1. 2、 3) ① 一、 - •) and reports
// whether it had one.
func stripNumber(l string) (string, bool) {
	if _, n := numberPrefix(l); n > 0 {
		return strings.TrimSpace(l[n:]), true
	}
	return l, false
}

// numberPrefix returns the length in bytes of the numbering that starts s.
func numberPrefix(s string) (string, int) {
	r, size := utf8.DecodeRuneInString(s)
	switch {
	case r >= '①' && r <= '⑳', r >= '❶' && r <= '❿', r >= '⑴' && r <= '⒇':
		return s[:size], size + spaces(s[size:])
	case r == '-' || r == '•' || r == '*' || r == '·' || r == '●' || r == '○' || r == '■' || r == '▪':
		if len(s) > size && (s[size] == ' ' || r != '-' && r != '*') {
			return s[:size], size + spaces(s[size:])
		}
		return "", 0
	case r >= '0' && r <= '9':
		n := 0
		for n < len(s) && n < 2 && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		rest := s[n:]
		for _, sep := range []string{". ", ".", "、", ")", "）", ":", "：", "，", ","} {
			if strings.HasPrefix(rest, sep) {
				// "1.5万", "10:30" and "1,280" are numbers, not numbering.
				if k := len(sep); !strings.HasSuffix(sep, " ") && len(rest) > k && rest[k] >= '0' && rest[k] <= '9' {
					return "", 0
				}
				k := n + len(sep)
				return s[:k], k + spaces(s[k:])
			}
		}
	case strings.ContainsRune("一二三四五六七八九十", r):
		rest := s[size:]
		if strings.HasPrefix(rest, "、") {
			k := size + len("、")
			return s[:k], k + spaces(s[k:])
		}
	}
	return "", 0
}

func spaces(s string) int {
	n := 0
	for n < len(s) && s[n] == ' ' {
		n++
	}
	return n
}
