package bot

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the kernel's Prometheus metrics.
type Metrics struct {
	EventsReceived *prometheus.CounterVec
	EventsDeduped  *prometheus.CounterVec
	HandlerLatency *prometheus.HistogramVec
	OutboxSent     *prometheus.CounterVec
	OutboxFailed   *prometheus.CounterVec
	OutboxRetried  *prometheus.CounterVec
}

// NewMetrics creates the kernel's metrics and registers them with reg (which
// may be nil, for tests).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		EventsReceived: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "salesbot_events_received_total",
			Help: "Platform events stored in the inbox, by platform and kind.",
		}, []string{"platform", "kind"}),
		EventsDeduped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "salesbot_events_deduped_total",
			Help: "Platform events dropped because they were seen before.",
		}, []string{"platform"}),
		HandlerLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "salesbot_handler_duration_seconds",
			Help:    "Time to handle one event, by route and outcome.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "outcome"}),
		OutboxSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "salesbot_outbox_sent_total",
			Help: "Outgoing messages delivered, by platform.",
		}, []string{"platform"}),
		OutboxFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "salesbot_outbox_failed_total",
			Help: "Outgoing messages given up on (dead-lettered), by platform.",
		}, []string{"platform"}),
		OutboxRetried: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "salesbot_outbox_retried_total",
			Help: "Outgoing message attempts that will be retried, by platform.",
		}, []string{"platform"}),
	}
	if reg != nil {
		reg.MustRegister(m.EventsReceived, m.EventsDeduped, m.HandlerLatency,
			m.OutboxSent, m.OutboxFailed, m.OutboxRetried)
	}
	return m
}
