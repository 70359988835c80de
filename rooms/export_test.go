package rooms

// RuntimesForTest returns how many rooms this Manager keeps a runtime for.
func (m *Manager) RuntimesForTest() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.rts)
}
