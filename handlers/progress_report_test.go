package handlers

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/salesbot/salesbot/domain"
)

// A reached target still reports its gap (0) and a forecast of 0 is still
// a forecast: a BI tool tells "no target" and "no forecast yet" from zero by
// the key being absent, not by its value.
func TestPaceReportKeepsZeroFigures(t *testing.T) {
	tp := domain.TimeProgress{Elapsed: 10, Total: 20}
	encode := func(p domain.Pace) string {
		data, err := json.Marshal(paceReport(domain.MetricFollowUps, p))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	reached := encode(domain.PaceOf(50, 40, tp))
	if !strings.Contains(reached, `"target":40`) || !strings.Contains(reached, `"gap":0`) {
		t.Errorf("reached target: %s, want target 40 and gap 0", reached)
	}
	idle := encode(domain.PaceOf(0, 40, tp))
	if !strings.Contains(idle, `"forecast":0`) || !strings.Contains(idle, `"gap":40`) {
		t.Errorf("nothing done yet: %s, want forecast 0 and gap 40", idle)
	}
	none := encode(domain.PaceOf(7, 0, domain.TimeProgress{Total: 20}))
	for _, key := range []string{`"target"`, `"gap"`, `"forecast"`} {
		if strings.Contains(none, key) {
			t.Errorf("no target, no workday elapsed: %s has %s", none, key)
		}
	}
	if !strings.Contains(none, `"status":"no_target"`) {
		t.Errorf("no target: %s", none)
	}
}
