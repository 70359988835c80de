package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rpsio/rpsio/adapter"
	"github.com/rpsio/rpsio/socketio"
)

// GameStats are the room engine's figures that /metrics exposes. With a
// store shared by several nodes they are the cluster's, the same on every
// node: aggregate them with max(), not sum().
type GameStats struct {
	// RoomsByState counts rooms by state ("waiting", "playing", ...).
	RoomsByState map[string]int
	// Players seated, connected or not.
	Players int
	// RoundsSettled since the store began.
	RoundsSettled int64
}

// GameStatsSource reads the room engine's figures. It is all the metrics
// need from the engine, so that any room engine can plug in (see
// roomsStats for the rooms.Manager).
type GameStatsSource func(ctx context.Context) (GameStats, error)

// statsTimeout bounds reading the room engine's figures during a scrape.
const statsTimeout = 2 * time.Second

// Metrics are the node's Prometheus collectors, on their own registry
// (nothing global). What is counted elsewhere (connections, sockets,
// events, rooms) is read at scrape time; what the adapter measures is fed
// through Component.
type Metrics struct {
	reg    *prometheus.Registry
	health *health
	log    *slog.Logger

	publish        *prometheus.HistogramVec
	published      *prometheus.CounterVec
	request        *prometheus.HistogramVec
	redisErrors    *prometheus.CounterVec
	redisConnected *prometheus.GaugeVec
	dropped        *prometheus.CounterVec
}

func newMetrics(h *health, log *slog.Logger) *Metrics {
	m := &Metrics{
		reg:    prometheus.NewRegistry(),
		health: h,
		log:    log,
		publish: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "rpsio_redis_publish_duration_seconds",
			Help:    "Time of one publish (or pipelined batch) to Redis, from queueing to Redis's answer, by component and kind of message.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"component", "kind"}),
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rpsio_redis_published_messages_total",
			Help: "Messages published to Redis (Redis answered), by component and kind (several per publish when batched).",
		}, []string{"component", "kind"}),
		request: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "rpsio_redis_request_duration_seconds",
			Help:    "Time of one cluster-wide request over Redis (fetchSockets, serverSideEmit with ack, ...) to its last answer or timeout, by outcome: ok, timeout, error.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"component", "kind", "outcome"}),
		redisErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rpsio_redis_errors_total",
			Help: "Errors talking to Redis, by component and operation.",
		}, []string{"component", "op"}),
		redisConnected: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "rpsio_redis_connected",
			Help: "1 while the component is connected (and subscribed) to Redis, 0 while it is not. Absent with one node in memory.",
		}, []string{"component"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rpsio_redis_dropped_messages_total",
			Help: "Messages from Redis dropped, by component and reason (malformed, lagging, ...).",
		}, []string{"component", "reason"}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.publish, m.published, m.request, m.redisErrors, m.redisConnected, m.dropped,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "rpsio_ready",
			Help: "1 when /readyz answers ready, 0 while starting or draining.",
		}, func() float64 {
			if h.get() == StateReady {
				return 1
			}
			return 0
		}),
	)
	return m
}

// watch registers the collector that reads the Socket.IO server and the
// room engine at scrape time.
func (m *Metrics) watch(io *socketio.Server, game GameStatsSource) {
	m.reg.MustRegister(&liveCollector{io: io, game: game, log: m.log})
}

// Registry is the registry /metrics serves; register more collectors on it.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: slogPromLogger{m.log}})
}

// Component returns the adapter.Metrics through which a component talking
// to Redis ("adapter" for the Socket.IO adapter, "rooms" for a shared room
// store) reports; its connection state also shows in /readyz.
func (m *Metrics) Component(name string) adapter.Metrics {
	return componentMetrics{m: m, name: name}
}

var _ adapter.Metrics = componentMetrics{}

type componentMetrics struct {
	m    *Metrics
	name string
}

func (c componentMetrics) ObservePublish(kind string, n int, d time.Duration, err error) {
	c.m.publish.WithLabelValues(c.name, kind).Observe(d.Seconds())
	if err != nil {
		// Not published: counted as an error, not in published.
		c.m.redisErrors.WithLabelValues(c.name, "publish").Add(1)
		return
	}
	c.m.published.WithLabelValues(c.name, kind).Add(float64(n))
}

func (c componentMetrics) ObserveRequest(kind string, d time.Duration, err error) {
	c.m.request.WithLabelValues(c.name, kind, outcome(err)).Observe(d.Seconds())
}

func (c componentMetrics) RedisError(op string, err error) {
	c.m.redisErrors.WithLabelValues(c.name, op).Inc()
}

func (c componentMetrics) RedisConnected(connected bool, err error) {
	v := 0.0
	if connected {
		v = 1
	}
	c.m.redisConnected.WithLabelValues(c.name).Set(v)
	c.m.health.setRedis(c.name, connected, err)
}

func (c componentMetrics) Dropped(reason string) {
	c.m.dropped.WithLabelValues(c.name, reason).Inc()
}

// outcome classifies a request's error: ok, timeout or error.
func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	var t interface{ Timeout() bool }
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &t) && t.Timeout()) {
		return "timeout"
	}
	return "error"
}

var (
	descConns = prometheus.NewDesc("rpsio_connections",
		"Open Engine.IO connections by current transport.", []string{"transport"}, nil)
	descOpened = prometheus.NewDesc("rpsio_connections_opened_total",
		"Engine.IO connections opened, by the transport of their handshake.", []string{"transport"}, nil)
	descClosed = prometheus.NewDesc("rpsio_connections_closed_total",
		`Engine.IO connections closed, by reason: "slow client" (its queue filled: cut off), "ping timeout" and "transport error" (dropped), "transport close" (the client left), "server shutting down" (drain), ...`, []string{"reason"}, nil)
	descUpgrades = prometheus.NewDesc("rpsio_upgrades_total",
		"Polling connections upgraded to WebSocket.", nil, nil)
	descSockets = prometheus.NewDesc("rpsio_namespace_sockets",
		"Sockets connected to this node, by namespace.", []string{"namespace"}, nil)
	descEvents = prometheus.NewDesc("rpsio_events_received_total",
		"Events received from clients, by namespace.", []string{"namespace"}, nil)
	descAcksSent = prometheus.NewDesc("rpsio_acks_sent_total",
		"Acknowledgements answered to clients' events, by namespace.", []string{"namespace"}, nil)
	descAcksReceived = prometheus.NewDesc("rpsio_acks_received_total",
		"Acknowledgements received from clients for server emits, by namespace.", []string{"namespace"}, nil)
	descRooms = prometheus.NewDesc("rpsio_rooms",
		"Game rooms by state (cluster-wide with a shared store).", []string{"state"}, nil)
	descPlayers = prometheus.NewDesc("rpsio_players",
		"Players seated in rooms, connected or not (cluster-wide with a shared store).", nil, nil)
	descRounds = prometheus.NewDesc("rpsio_rounds_settled_total",
		"Rounds settled (cluster-wide with a shared store).", nil, nil)
	descStatsUp = prometheus.NewDesc("rpsio_room_stats_up",
		"1 if the room engine's figures could be read for this scrape, 0 if not (the rooms, players and rounds series are then absent).", nil, nil)
)

// liveCollector reads the figures kept by the Socket.IO server and the room
// engine when Prometheus scrapes.
type liveCollector struct {
	io   *socketio.Server
	game GameStatsSource
	log  *slog.Logger
}

func (c *liveCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descConns, descOpened, descClosed, descUpgrades, descSockets,
		descEvents, descAcksSent, descAcksReceived, descRooms, descPlayers, descRounds, descStatsUp} {
		ch <- d
	}
}

func (c *liveCollector) Collect(ch chan<- prometheus.Metric) {
	es := c.io.Engine().Stats()
	for _, t := range sortedKeys(es.Sessions) {
		ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(es.Sessions[t]), t)
	}
	for _, t := range sortedKeys(es.Opened) {
		ch <- prometheus.MustNewConstMetric(descOpened, prometheus.CounterValue, float64(es.Opened[t]), t)
	}
	for _, r := range sortedKeys(es.Closed) {
		ch <- prometheus.MustNewConstMetric(descClosed, prometheus.CounterValue, float64(es.Closed[r]), r)
	}
	ch <- prometheus.MustNewConstMetric(descUpgrades, prometheus.CounterValue, float64(es.Upgrades))
	for _, n := range c.io.Stats() {
		ch <- prometheus.MustNewConstMetric(descSockets, prometheus.GaugeValue, float64(n.Sockets), n.Name)
		ch <- prometheus.MustNewConstMetric(descEvents, prometheus.CounterValue, float64(n.EventsReceived), n.Name)
		ch <- prometheus.MustNewConstMetric(descAcksSent, prometheus.CounterValue, float64(n.AcksSent), n.Name)
		ch <- prometheus.MustNewConstMetric(descAcksReceived, prometheus.CounterValue, float64(n.AcksReceived), n.Name)
	}
	if c.game == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), statsTimeout)
	defer cancel()
	gs, err := c.game(ctx)
	if err != nil {
		c.log.Warn("metrics: room figures unavailable", "err", err)
		ch <- prometheus.MustNewConstMetric(descStatsUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(descStatsUp, prometheus.GaugeValue, 1)
	for _, s := range sortedKeys(gs.RoomsByState) {
		ch <- prometheus.MustNewConstMetric(descRooms, prometheus.GaugeValue, float64(gs.RoomsByState[s]), s)
	}
	ch <- prometheus.MustNewConstMetric(descPlayers, prometheus.GaugeValue, float64(gs.Players))
	ch <- prometheus.MustNewConstMetric(descRounds, prometheus.CounterValue, float64(gs.RoundsSettled))
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// slogPromLogger routes promhttp's error log to slog.
type slogPromLogger struct{ log *slog.Logger }

func (l slogPromLogger) Println(v ...any) { l.log.Error("metrics: serving /metrics", "err", v) }
