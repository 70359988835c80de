package redispresence

// StopHeartbeatForTest stops the heartbeat without a goodbye, as if the
// process had died.
func (t *Tracker) StopHeartbeatForTest() {
	t.mu.Lock()
	cancel := t.cancel
	t.closed = true
	t.mu.Unlock()
	cancel()
	t.wg.Wait()
}

// PauseForTest stops (or resumes) the heartbeats, as a stalled process.
func (t *Tracker) PauseForTest(on bool) { t.paused.Store(on) }
