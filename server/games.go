package server

import (
	"log/slog"
	"time"

	"github.com/rpsio/rpsio/game"
	"github.com/rpsio/rpsio/game/gold"
	"github.com/rpsio/rpsio/game/rps"
	"github.com/rpsio/rpsio/rooms"
	"github.com/rpsio/rpsio/socketio"
)

// The namespaces of the games.
const (
	RPSNamespace  = "/" + rps.Name
	GoldNamespace = "/" + gold.Name
)

// recoveryHold: after Redis was unreachable, rounds that fell due meanwhile
// are settled once the store has answered this long, so that every node's
// Socket.IO adapter has subscribed again (its reconnection backs off up to
// 2 s) and the results reach players on every node: Redis Pub/Sub keeps
// nothing for a subscriber that is away.
const recoveryHold = 2500 * time.Millisecond

// newRooms builds the games from cfg, the room manager running them, and
// binds each game to its namespace.
func (a *App) newRooms(cfg Config, log *slog.Logger) (*rooms.Manager, error) {
	rpsRules, err := rps.New(rps.Config{RoundDuration: cfg.RoundDuration, RoundGap: cfg.RoundGap, NoRoundGap: cfg.RoundGap == 0})
	if err != nil {
		return nil, err
	}
	goldRules, err := gold.New(gold.Config{Width: cfg.GoldWidth, Height: cfg.GoldHeight, Gold: cfg.GoldCount, TurnDuration: cfg.GoldTurn})
	if err != nil {
		return nil, err
	}
	games := []struct {
		rules game.Rules
		opts  gameOptions
	}{
		{rpsRules, gameOptions{}},
		{goldRules, gameOptions{joinRoomID: true, viewOnJoin: true}},
	}
	notifier := &gameNotifier{log: log, nsp: map[string]*socketio.Namespace{}}
	a.notifier = notifier
	var rules []game.Rules
	for _, g := range games {
		rules = append(rules, g.rules)
		notifier.nsp[g.rules.Name()] = a.io.Of("/" + g.rules.Name())
	}
	ropts := rooms.Options{
		Games:          rules,
		Notifier:       notifier,
		ReconnectGrace: cfg.ReconnectGrace,
		Logger:         log,
	}
	var recheck func(game, player string)
	if a.cluster != nil {
		// Rooms shared through Redis; this node also wakes those whose
		// node died.
		ropts.Store = a.cluster.store
		ropts.SweepInterval, ropts.SweepDelay = cfg.SweepInterval, cfg.SweepInterval
		ropts.RecoveryHold = recoveryHold
		recheck = a.psync.check
	}
	mgr, err := rooms.New(ropts)
	if err != nil {
		return nil, err
	}
	ps := newPlayers(cfg.TokenSecret, a.presence, recheck, log)
	for _, g := range games {
		bindGame(a.io, mgr, ps, g.rules, g.opts, log)
	}
	return mgr, nil
}
