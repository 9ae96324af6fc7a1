package parse

import (
	"sort"
	"time"
)

// Dim is the kind of an entity.
type Dim string

// Dims.
const (
	DimTime   Dim = "time"
	DimNumber Dim = "number"
	DimMoney  Dim = "money"
)

// Grain is how precise a time entity is.
type Grain string

// Grains.
const (
	GrainMinute Grain = "minute"
	GrainHour   Grain = "hour"
	GrainDay    Grain = "day"
	GrainWeek   Grain = "week"
	GrainMonth  Grain = "month"
	GrainYear   Grain = "year"
)

// Entity is one time, number or amount of money found in a text.
type Entity struct {
	Dim        Dim
	Text       string    // as written in the input
	Start, End int       // rune offsets in the input text
	Value      float64   // number and money
	Unit       string    // money: ISO 4217 code
	Time       time.Time // time: wall clock in now's location
	Grain      Grain     // time
}

// Extract returns the entities of text, non-overlapping, longest match
// first, ordered by Start. Times are resolved against now, whose location is
// the tenant's time zone (see the package's date policy).
func Extract(text string, now time.Time) []Entity {
	sc := newScanner(text, now)
	return sc.all(false)
}

// Amounts returns the numbers and money in text that can be an amount of
// money: money entities, and bare numbers with a magnitude (50万, 3k, 1.2w,
// 八千) or of at least 1000, never a duration, a count, a phone number, a
// percentage, a time, a date or a model number. Value is in currency units;
// Unit is "" when no currency is written.
func Amounts(text string) []Entity {
	sc := newScanner(text, amountsNow)
	return sc.all(true)
}

// amountsNow is the reference time of Amounts: times are found only so that
// their digits are not read as amounts, so any instant will do.
var amountsNow = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// scanner holds one text being scanned: the original runes (for Text) and
// their normalised, ASCII-lower-cased twin that the rules read.
type scanner struct {
	orig []rune
	rs   []rune
	now  time.Time
	t0   time.Time // midnight of now's day
}

func newScanner(text string, now time.Time) *scanner {
	orig := []rune(text)
	rs := make([]rune, len(orig))
	for i, r := range orig {
		rs[i] = lowerASCII(foldRune(r))
	}
	return &scanner{orig: orig, rs: rs, now: now, t0: today(now)}
}

// match is a candidate entity at one position.
type match struct {
	end int
	ent Entity
	// skip marks a span that is consumed but yields no entity (a phone
	// number, a model number): it still blocks shorter readings inside it.
	skip bool
	// amount reports, for Amounts, whether a number can be an amount.
	amount bool
}

// all scans the text left to right, taking the longest match at each
// position (a time wins a tie over money, money over a number).
func (sc *scanner) all(amounts bool) []Entity {
	var out []Entity
	rs := sc.rs
	for i := 0; i < len(rs); {
		if !startRune(rs[i]) || continuesToken(rs, i) {
			i++
			continue
		}
		best, ok := sc.matchAt(i)
		if !ok {
			i++
			continue
		}
		if !best.skip && (!amounts || best.ent.Dim == DimMoney || (best.ent.Dim == DimNumber && best.amount)) {
			e := best.ent
			e.Start, e.End = i, best.end
			e.Text = string(sc.orig[i:best.end])
			if amounts && e.Dim == DimNumber {
				e.Dim = DimMoney
			}
			out = append(out, e)
		}
		i = best.end
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Start < out[b].Start })
	return out
}

// matchAt returns the longest reading starting at i.
func (sc *scanner) matchAt(i int) (match, bool) {
	var best match
	found := false
	if m, ok := sc.timeAt(i); ok {
		best, found = m, true
	}
	if m, ok := sc.moneyAt(i); ok && (!found || m.end > best.end) {
		best, found = m, true
	}
	return best, found
}

// continuesToken reports whether the rune at i cannot start a match because
// it continues the token before it: a digit inside a run of digits or
// letters (X5, 2.0), a letter inside a word.
func continuesToken(rs []rune, i int) bool {
	if i == 0 {
		return false
	}
	prev, r := rs[i-1], rs[i]
	switch {
	case isDigit(r):
		if prev == '.' && i >= 2 && (isDigit(rs[i-2]) || isLetter(rs[i-2])) {
			return true
		}
		return isDigit(prev) || isLetter(prev)
	case isLetter(r):
		return isLetter(prev) || isDigit(prev)
	case r == '.' || r == '-':
		return isLetter(prev) || isDigit(prev) // ERP2.0, 1-2
	}
	return false
}

func isDigit(r rune) bool  { return r >= '0' && r <= '9' }
func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

// startRune reports whether an entity can start with r.
func startRune(r rune) bool {
	if r < 0x80 {
		return isDigit(r) || isLetter(r) || r == '-' || r == '.' || r == '$' || r == '+'
	}
	if r >= 0x3400 {
		return hanStarts[r]
	}
	return r == '¥' || r == '€' || r == '£' || r == '¢'
}

// hanStarts are the Han runes an entity can start with: the first runes of
// every word the rules know, and the numerals.
var hanStarts = func() map[rune]bool {
	m := map[rune]bool{}
	for _, set := range []wordSet{relDayWords, weekPrefixes, relYearWords, relMonthWords, periodWords} {
		for _, w := range set.words {
			m[w[0]] = true
		}
	}
	for name := range holidays {
		m[[]rune(name)[0]] = true
	}
	for _, c := range currencyPrefixes {
		m[[]rune(c.s)[0]] = true
	}
	for _, r := range "零〇一壹幺二贰两貮三叁參参四肆五伍六陆七柒八捌九玖十拾廿卅卌百千" +
		"周星礼农阴正腊冬月年再过半负北" {
		m[r] = true
	}
	return m
}()
