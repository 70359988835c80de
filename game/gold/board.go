package gold

import (
	"math/rand/v2"
	"slices"
)

// Gold is the value of a gold cell (as in the original design, where -1
// marks gold); other cells hold the number of gold cells among their 8
// neighbours, 0..8.
const Gold = -1

// Board is a generated board: its size, the gold cells and every cell's
// value. Cells are numbered i = y*Width + x.
type Board struct {
	Width, Height int
	// Values[i] is Gold or the number of gold neighbours of cell i.
	Values []int8
}

// NewBoard returns a board of width×height cells with count gold cells at
// positions drawn from rnd, every count of positions equally likely. It
// panics if count is not within 0..width*height (Config checks it).
func NewBoard(width, height, count int, rnd *rand.Rand) *Board {
	n := width * height
	if count < 0 || count > n {
		panic("gold: gold count out of range")
	}
	// A partial Fisher-Yates shuffle picks count distinct cells.
	cells := make([]int, n)
	for i := range cells {
		cells[i] = i
	}
	for i := range count {
		j := i + rnd.IntN(n-i)
		cells[i], cells[j] = cells[j], cells[i]
	}
	gold := cells[:count]
	slices.Sort(gold)
	return boardWith(width, height, gold)
}

// boardWith returns the board with gold at the given cells (distinct and in
// range).
func boardWith(width, height int, gold []int) *Board {
	b := &Board{Width: width, Height: height, Values: make([]int8, width*height)}
	for _, i := range gold {
		b.Values[i] = Gold
	}
	for _, i := range gold {
		b.neighbours(i, func(j int) {
			if b.Values[j] != Gold {
				b.Values[j]++
			}
		})
	}
	return b
}

// Gold returns the gold cells, ascending.
func (b *Board) Gold() []int {
	var out []int
	for i, v := range b.Values {
		if v == Gold {
			out = append(out, i)
		}
	}
	return out
}

// neighbours calls fn with each of the up to 8 cells around cell i.
func (b *Board) neighbours(i int, fn func(j int)) {
	x, y := i%b.Width, i/b.Width
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			nx, ny := x+dx, y+dy
			if (dx != 0 || dy != 0) && nx >= 0 && nx < b.Width && ny >= 0 && ny < b.Height {
				fn(ny*b.Width + nx)
			}
		}
	}
}

// Dig returns the cells a dig of cell i opens, given which are open
// already: the cell itself and, if it is a 0, everything a minesweeper flood
// fill reaches from it (neighbours of 0s, recursively, never gold, since a
// 0 has no gold around it). The dug cell comes first, then breadth first.
// i must be a closed cell.
func (b *Board) Dig(i int, open []bool) []int {
	out := []int{i}
	if b.Values[i] != 0 {
		return out
	}
	seen := map[int]bool{i: true}
	for k := 0; k < len(out); k++ {
		if b.Values[out[k]] != 0 {
			continue
		}
		b.neighbours(out[k], func(j int) {
			if !seen[j] && !open[j] && b.Values[j] != Gold {
				seen[j] = true
				out = append(out, j)
			}
		})
	}
	return out
}
