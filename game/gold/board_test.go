package gold

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// parseBoard reads a board drawn as rows of "*" (gold) and "." (other
// cells), and returns it with its gold cells.
func parseBoard(rows ...string) *Board {
	var gold []int
	for y, row := range rows {
		for x, c := range row {
			if c == '*' {
				gold = append(gold, y*len(row)+x)
			}
		}
	}
	return boardWith(len(rows[0]), len(rows), gold)
}

// draw shows a board's values: "*" for gold, digits for numbers.
func draw(b *Board) string {
	var sb strings.Builder
	for i, v := range b.Values {
		if i > 0 && i%b.Width == 0 {
			sb.WriteByte('/')
		}
		if v == Gold {
			sb.WriteByte('*')
		} else {
			sb.WriteByte(byte('0' + v))
		}
	}
	return sb.String()
}

func TestBoardNumbers(t *testing.T) {
	tests := []struct {
		rows []string
		want string
	}{
		{[]string{"..", ".."}, "00/00"},
		{[]string{"*.", ".."}, "*1/11"},
		{[]string{"**", "**"}, "**/**"},
		{[]string{"...", ".*.", "..."}, "111/1*1/111"},
		{[]string{"***", "*.*", "***"}, "***/*8*/***"},
		{[]string{"*...", "....", "...*"}, "*100/1111/001*"},
		{[]string{"*..*", ".**.", "*..*"}, "*33*/3**3/*33*"},
		{[]string{".....", ".....", "..*.."}, "00000/01110/01*10"},
	}
	for _, tt := range tests {
		if got := draw(parseBoard(tt.rows...)); got != tt.want {
			t.Errorf("%q: numbers %s, want %s", tt.rows, got, tt.want)
		}
	}
}

// neighbours counts the gold around (x, y) the slow way.
func goldAround(b *Board, x, y int) int8 {
	var n int8
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			nx, ny := x+dx, y+dy
			if (dx != 0 || dy != 0) && nx >= 0 && ny >= 0 && nx < b.Width && ny < b.Height && b.Values[ny*b.Width+nx] == Gold {
				n++
			}
		}
	}
	return n
}

func TestNewBoard(t *testing.T) {
	tests := []struct{ w, h, gold int }{
		{2, 2, 1}, {2, 2, 4}, {10, 10, 10}, {10, 10, 0}, {3, 7, 20}, {50, 50, 300}, {50, 2, 99}, {5, 5, 25},
	}
	for _, tt := range tests {
		for seed := range uint64(20) {
			name := fmt.Sprintf("%dx%d/%d/seed%d", tt.w, tt.h, tt.gold, seed)
			b := NewBoard(tt.w, tt.h, tt.gold, rand.New(rand.NewPCG(seed, 7)))
			if b.Width != tt.w || b.Height != tt.h || len(b.Values) != tt.w*tt.h {
				t.Fatalf("%s: board %d×%d with %d cells", name, b.Width, b.Height, len(b.Values))
			}
			gold := b.Gold()
			if len(gold) != tt.gold {
				t.Fatalf("%s: %d gold cells, want exactly %d", name, len(gold), tt.gold)
			}
			if !slices.IsSorted(gold) {
				t.Fatalf("%s: gold cells %v not ascending", name, gold)
			}
			for i, v := range b.Values {
				if v == Gold {
					continue
				}
				if want := goldAround(b, i%tt.w, i/tt.w); v != want {
					t.Fatalf("%s: cell %d holds %d, has %d gold neighbours", name, i, v, want)
				}
			}
		}
	}
}

// TestNewBoardUniform: over many boards every cell holds gold about equally
// often (the placement favours no corner).
func TestNewBoardUniform(t *testing.T) {
	const w, h, g, n = 4, 3, 3, 12000
	rnd := rand.New(rand.NewPCG(1, 2))
	counts := make([]int, w*h)
	for range n {
		for _, i := range NewBoard(w, h, g, rnd).Gold() {
			counts[i]++
		}
	}
	want := n * g / (w * h) // 3000
	for i, c := range counts {
		if c < want*9/10 || c > want*11/10 {
			t.Fatalf("cell %d got gold %d times in %d boards, want about %d: %v", i, c, n, want, counts)
		}
	}
}

func TestNewBoardPanicsOnBadCount(t *testing.T) {
	for _, g := range []int{-1, 5} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewBoard(2, 2, %d) did not panic", g)
				}
			}()
			NewBoard(2, 2, g, rand.New(rand.NewPCG(1, 1)))
		}()
	}
}

func TestDigFloodFill(t *testing.T) {
	cells := func(b *Board, xy ...[2]int) []int {
		var out []int
		for _, p := range xy {
			out = append(out, p[1]*b.Width+p[0])
		}
		return out
	}
	tests := []struct {
		name   string
		rows   []string
		open   [][2]int // already open
		dig    [2]int
		want   [][2]int // in order: the dug cell first, then breadth first
		wantOf int      // or, if > 0: just the number of cells opened
	}{
		{name: "gold opens itself", rows: []string{"*.", ".."}, dig: [2]int{0, 0}, want: [][2]int{{0, 0}}},
		{name: "a number opens itself", rows: []string{"*.", ".."}, dig: [2]int{1, 1}, want: [][2]int{{1, 1}}},
		{name: "a 0 opens to the numbers", rows: []string{
			"....",
			"....",
			"...*",
		}, dig: [2]int{0, 0}, want: [][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}, {2, 0}, {2, 1}, {0, 2}, {1, 2}, {2, 2}, {3, 0}, {3, 1}}},
		{name: "no gold ever", rows: []string{
			"...",
			"...",
			"..*",
		}, dig: [2]int{0, 0}, wantOf: 8},
		{name: "walls of numbers stop it", rows: []string{
			".*...",
			".*...",
			".*...",
		}, dig: [2]int{4, 1}, want: [][2]int{{4, 1}, {3, 0}, {4, 0}, {3, 1}, {3, 2}, {4, 2}, {2, 0}, {2, 1}, {2, 2}}},
		{name: "open cells are not opened again", rows: []string{
			"....",
			"....",
			"...*",
		}, open: [][2]int{{1, 1}, {3, 0}}, dig: [2]int{0, 0}, want: [][2]int{{0, 0}, {1, 0}, {0, 1}, {2, 0}, {2, 1}, {0, 2}, {1, 2}, {3, 1}, {2, 2}}},
		{name: "a whole empty board", rows: []string{"....", "...."}, dig: [2]int{2, 1}, wantOf: 8},
		{name: "diagonal spread", rows: []string{
			"*....",
			".....",
			".....",
			"....*",
		}, dig: [2]int{2, 1}, wantOf: 18},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := parseBoard(tt.rows...)
			open := make([]bool, len(b.Values))
			for _, i := range cells(b, tt.open...) {
				open[i] = true
			}
			got := b.Dig(cells(b, tt.dig)[0], open)
			if got[0] != cells(b, tt.dig)[0] {
				t.Fatalf("first opened %d, want the dug cell", got[0])
			}
			seen := map[int]bool{}
			for _, i := range got {
				if seen[i] || open[i] {
					t.Fatalf("cell %d opened twice or already open: %v", i, got)
				}
				seen[i] = true
				if b.Values[i] == Gold && i != got[0] {
					t.Fatalf("the flood fill opened gold at %d", i)
				}
			}
			if tt.wantOf > 0 {
				if len(got) != tt.wantOf {
					t.Fatalf("opened %d cells %v, want %d", len(got), got, tt.wantOf)
				}
				return
			}
			if want := cells(b, tt.want...); !slices.Equal(got, want) {
				t.Fatalf("opened %v, want %v", got, want)
			}
		})
	}
}

// TestDigFloodFillIsMinesweeper: on random boards, what a dig opens is
// exactly the cells reachable from it through 0s, plus the numbers around
// those 0s; every 0 opened has all its neighbours opened.
func TestDigFloodFillIsMinesweeper(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for range 300 {
		w, h := 2+rnd.IntN(12), 2+rnd.IntN(12)
		b := NewBoard(w, h, rnd.IntN(w*h/4+1), rnd)
		open := make([]bool, w*h)
		for i := range open {
			open[i] = rnd.IntN(10) == 0 && b.Values[i] != Gold
		}
		var closed []int
		for i := range open {
			if !open[i] {
				closed = append(closed, i)
			}
		}
		if len(closed) == 0 {
			continue
		}
		start := closed[rnd.IntN(len(closed))]
		got := b.Dig(start, open)
		in := map[int]bool{}
		for _, i := range got {
			in[i] = true
		}
		for _, i := range got {
			if b.Values[i] != 0 {
				continue
			}
			b.neighbours(i, func(j int) {
				if !open[j] && !in[j] {
					t.Fatalf("%s: 0 at %d opened but its closed neighbour %d was not", draw(b), i, j)
				}
			})
		}
		for _, i := range got[1:] {
			// Every cell but the first was reached from an opened 0.
			reached := false
			b.neighbours(i, func(j int) { reached = reached || (in[j] && b.Values[j] == 0) })
			if !reached {
				t.Fatalf("%s: cell %d opened without a 0 next to it", draw(b), i)
			}
		}
	}
}
