package gold

// Event names of the /gold contract (besides game.EventRoom).
const (
	EventBoard = "board" // Data: BoardEvent
	EventDug   = "dug"   // Data: DugEvent
	EventTurn  = "turn"  // Data: TurnEvent
	EventOver  = "over"  // Data: OverEvent
)

// RoomView is the payload of the "room" event: a room's roster and state.
type RoomView struct {
	ID      string       `json:"id"`
	Size    int          `json:"size"`
	State   string       `json:"state"` // "waiting", "playing" or "over"
	Players []PlayerView `json:"players"`
}

// PlayerView is a player in a RoomView.
type PlayerView struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Connected bool   `json:"connected"`
	Score     int    `json:"score"` // gold dug
}

// Cell is an open cell: Value is Gold (-1) or the number of gold cells
// among its 8 neighbours. By is who dug it, for gold cells only.
type Cell struct {
	X     int    `json:"x"`
	Y     int    `json:"y"`
	Value int    `json:"value"`
	By    string `json:"by,omitempty"`
}

// BoardEvent is the payload of "board": everything a player may see of the
// game, sent to a player when they join or come back.
type BoardEvent struct {
	RoomID    string `json:"roomId"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	Gold      int    `json:"gold"`      // gold cells in all
	Remaining int    `json:"remaining"` // gold cells not dug yet
	// Opened are the open cells, in the order they were opened.
	Opened []Cell `json:"opened"`
	// Scores are the gold dug by each player (every player who started;
	// before the start, the seated players at 0).
	Scores map[string]int `json:"scores"`
	// Turn is whose turn it is, null before the start and once over.
	Turn    *TurnEvent `json:"turn"`
	Over    bool       `json:"over"`
	Winners []string   `json:"winners"` // empty until over
}

// DugEvent is the payload of "dug": By dug (X, Y), which was gold or not;
// Opened are the cells it opened (the dug cell first, then a flood fill's).
type DugEvent struct {
	RoomID    string         `json:"roomId"`
	By        string         `json:"by"`
	X         int            `json:"x"`
	Y         int            `json:"y"`
	Gold      bool           `json:"gold"`
	Opened    []Cell         `json:"opened"`
	Remaining int            `json:"remaining"`
	Scores    map[string]int `json:"scores"`
}

// TurnEvent is the payload of "turn": it is PlayerID's turn until Deadline.
type TurnEvent struct {
	RoomID   string `json:"roomId"`
	PlayerID string `json:"playerId"`
	Deadline int64  `json:"deadline"` // Unix milliseconds
	Duration int64  `json:"duration"` // milliseconds
}

// OverEvent is the payload of "over": every gold cell has been dug. Winners
// have the highest score among the players still in the game (ties
// shared), in seat order.
type OverEvent struct {
	RoomID  string         `json:"roomId"`
	Scores  map[string]int `json:"scores"`
	Winners []string       `json:"winners"`
}
