package socketio

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rpsio/rpsio/socketio/engineio"
)

// Connection state recovery (socket.io 4.6's connectionStateRecovery): a
// client that lost its connection for a short while gets back its socket
// id, rooms and data, and every event it missed, in order. See
// RecoveryOptions, and docs/PROTOCOL.md for the wire.
//
// How it works, in short. Every packet kept for recovery gets an Offset
// from the node that emits it: (node, time, seq), seq counting up on that
// node and namespace. The offset travels as the event's last argument to
// the clients (what socket.io-client 4.6+ reads) and beside the packet to
// the other nodes (adapter/redis: never inside the data that Node peers
// read). The emitting node keeps the packet in the RecoveryStore, under
// each of its rooms.
//
// Each socket remembers the packets queued to it recently (those that may
// not have reached the client yet: the heartbeat proves the older ones
// arrived). When it disconnects for a reason a client recovers from, its
// session is saved: id, rooms, data, those recent packets, and for every
// emitting node the highest seq this node had delivered. A client that
// comes back with its pid and the offset of the last packet it got is
// given, in order: the recent packets after that offset, then every kept
// packet of its rooms from each node past the saved seq. Nothing it got is
// sent twice, nothing it missed is left out, whichever node it comes back
// through, as long as the session and the packets are still kept.

// RecoveryOptions turn connection state recovery on (Options.Recovery).
// Zero values take the defaults written on each field.
type RecoveryOptions struct {
	// MaxDisconnectionDuration: how long after a disconnection the client
	// can recover its session. Default 2 min, as the reference.
	MaxDisconnectionDuration time.Duration
	// RunMiddlewares runs the namespace's middleware again on a recovery.
	// Default false: they are skipped, as the reference's
	// skipMiddlewares: true, and the restored data stands.
	RunMiddlewares bool
	// MaxPackets caps what one session can miss: a client that missed
	// more starts a new session. It also caps the packets a connected
	// socket remembers. Default 1000.
	MaxPackets int
	// Store keeps the sessions and the packets. Default a
	// MemoryRecoveryStore with its defaults (one node); a multi-node
	// deployment uses one that every node reads (adapter/redis).
	Store RecoveryStore
	// RestoreTimeout bounds the store's reads of one recovery, after which
	// the client gets a new session. Default 5 s.
	RestoreTimeout time.Duration
}

func (o RecoveryOptions) withDefaults() RecoveryOptions {
	if o.MaxDisconnectionDuration <= 0 {
		o.MaxDisconnectionDuration = 2 * time.Minute
	}
	if o.MaxPackets <= 0 {
		o.MaxPackets = 1000
	}
	if o.Store == nil {
		o.Store = NewMemoryRecoveryStore(MemoryRecoveryStoreOptions{})
	}
	if o.RestoreTimeout <= 0 {
		o.RestoreTimeout = 5 * time.Second
	}
	return o
}

// Offset identifies one packet kept for recovery, the same on every node:
// Node emitted it, at Time (Unix milliseconds on that node's clock, never
// decreasing), with Seq (counting up from 1 on that node and namespace).
// Its text form, what clients see, is "<node>-<time>-<seq>" with time and
// seq in base 36.
type Offset struct {
	Node string
	Time int64
	Seq  uint64
}

// IsZero tells whether o is the zero Offset (no packet).
func (o Offset) IsZero() bool { return o.Node == "" }

func (o Offset) String() string {
	if o.IsZero() {
		return ""
	}
	b := make([]byte, 0, len(o.Node)+24)
	b = append(b, o.Node...)
	b = append(b, '-')
	b = strconv.AppendInt(b, o.Time, 36)
	b = append(b, '-')
	b = strconv.AppendUint(b, o.Seq, 36)
	return string(b)
}

// ErrBadOffset is returned by ParseOffset.
var ErrBadOffset = errors.New("socketio: not a recovery offset")

// maxNodeLen bounds a node id in an offset.
const maxNodeLen = 32

// ParseOffset reads the text form of an Offset.
func ParseOffset(s string) (Offset, error) {
	node, rest, ok1 := strings.Cut(s, "-")
	ts, seqs, ok2 := strings.Cut(rest, "-")
	if !ok1 || !ok2 || !validNodeID(node) || ts == "" || seqs == "" || len(ts) > 13 || len(seqs) > 13 {
		return Offset{}, fmt.Errorf("%w: %.64q", ErrBadOffset, s)
	}
	t, err1 := strconv.ParseInt(ts, 36, 64)
	seq, err2 := strconv.ParseUint(seqs, 36, 64)
	if err1 != nil || err2 != nil || t < 0 || seq == 0 || ts[0] == '+' || ts[0] == '-' || seqs[0] == '+' {
		return Offset{}, fmt.Errorf("%w: %.64q", ErrBadOffset, s)
	}
	return Offset{Node: node, Time: t, Seq: seq}, nil
}

func validNodeID(s string) bool {
	if s == "" || len(s) > maxNodeLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// newNodeID is a random node id of 10 alphanumeric characters.
func newNodeID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var b [10]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

// KeptPacket is one packet kept for recovery: an EVENT as it was sent,
// offset included, and whom it was for.
type KeptPacket struct {
	Offset Offset
	// Rooms the packet went to; empty: the whole namespace.
	Rooms []string
	// Except: rooms whose sockets were left out.
	Except []string
	// Text is the encoded Socket.IO packet, Attachments its binary
	// attachments, as sent to the clients. Neither may be modified.
	Text        []byte
	Attachments [][]byte
}

// For tells whether the packet was for a socket in rooms (its own id
// among them), as the reference decides.
func (p *KeptPacket) For(rooms []string) bool {
	in := len(p.Rooms) == 0
	for _, r := range rooms {
		for _, e := range p.Except {
			if r == e {
				return false
			}
		}
		if !in {
			for _, pr := range p.Rooms {
				if r == pr {
					in = true
					break
				}
			}
		}
	}
	return in
}

// RecoverySession is what is saved of a socket that disconnected, to be
// restored when its client comes back.
type RecoverySession struct {
	// PID is the private session id (the client sends it back); SID the
	// socket id.
	PID, SID string
	// Rooms the socket was in, its own id among them.
	Rooms []string
	// Data is the socket's data (Socket.Set). A store that keeps it
	// outside the process keeps JSON values.
	Data map[string]any
	// ConnectedAt and DisconnectedAt are the times the socket connected
	// and left.
	ConnectedAt, DisconnectedAt time.Time
	// Sent are the last packets queued to the socket, oldest first: those
	// the client may not have received. Their Rooms and Except are unset.
	Sent []*KeptPacket
	// SentBefore is the offset of the packet queued just before Sent[0]
	// (zero if none): the client got it and everything before.
	SentBefore Offset
	// Seen holds, for each node, the offset of its packet of this
	// namespace with the highest Seq that the socket's node had delivered
	// to its sockets when the socket left. A packet of a node with a higher
	// Seq (or, for a node absent here, emitted at or after ConnectedAt)
	// was not delivered to it.
	Seen map[string]Offset
}

// MissedQuery asks a RecoveryStore for the packets a session missed.
type MissedQuery struct {
	// Rooms of the session, its own id among them: a packet is returned
	// if KeptPacket.For(Rooms).
	Rooms []string
	// After: for each node, only packets with a higher Seq than this
	// offset of that node.
	After map[string]Offset
	// NotBefore: for nodes absent from After, only packets whose
	// Offset.Time is at or after it (Unix milliseconds).
	NotBefore int64
	// Limit: the caller needs at most Limit packets; a store returns at
	// most Limit+1, so that the caller can tell there were more.
	Limit int
}

// ErrPacketsGone is returned (wrapped) by RecoveryStore.Missed when
// packets the query selects were dropped to keep the store within its
// bounds: the session cannot be recovered whole, the client gets a new one.
var ErrPacketsGone = errors.New("socketio: missed packets are no longer kept")

// RecoveryStore keeps sessions and packets for connection state recovery.
// MemoryRecoveryStore keeps them in this process; adapter/redis has one
// that every node of a cluster shares. Package socketio/recoverytest is
// the suite every implementation passes.
//
// Keep and SaveSession are called while emitting and disconnecting: they
// must not block (a store that writes elsewhere queues, and drops, counts
// and logs what it cannot write). Calls made by one node for one namespace
// are in Offset order, and a session is saved after the packets kept
// before it; a store that writes elsewhere keeps that order. Every method
// is safe for concurrent use.
type RecoveryStore interface {
	// Run starts the store (the Server's Run calls it).
	Run(ctx context.Context) error
	// Close stops it, flushing what is queued until ctx is done (the
	// Server's Shutdown calls it, after the adapters).
	Close(ctx context.Context) error
	// Keep keeps a packet of namespace nsp for ttl.
	Keep(nsp string, p *KeptPacket, ttl time.Duration)
	// SaveSession keeps a session of namespace nsp for ttl.
	SaveSession(nsp string, s *RecoverySession, ttl time.Duration)
	// Sync returns once what this node kept and saved before the call can
	// be read by every node (a store that writes through a queue waits
	// for it), or ctx is done.
	Sync(ctx context.Context) error
	// TakeSession removes and returns the session of that pid, or nil if
	// there is none (never saved, expired, dropped or already taken).
	TakeSession(ctx context.Context, nsp, pid string) (*RecoverySession, error)
	// Missed returns the packets of nsp that q selects, still kept, in
	// Seq order for each node (the caller orders the nodes). If some it
	// selects were dropped before they expired, it returns an error
	// wrapping ErrPacketsGone.
	Missed(ctx context.Context, nsp string, q MissedQuery) ([]*KeptPacket, error)
}

// recoverableReasons are the disconnections a client recovers from, as
// the reference's RECOVERABLE_DISCONNECT_REASONS, plus our slow client
// (the transport could not keep up).
var recoverableReasons = map[string]bool{
	engineio.ReasonTransportError: true,
	engineio.ReasonTransportClose: true,
	engineio.ReasonForcedClose:    true,
	engineio.ReasonPingTimeout:    true,
	engineio.ReasonServerShutdown: true,
	engineio.ReasonSlowClient:     true,
	ReasonForcedServerClose:       true,
}
