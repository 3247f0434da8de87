package state

// ForgetLink drops a payment or update-card link, open or already used, as if it had never been
// handed out: its page and the control API then answer 404 link_not_found. The mock calls it to
// bound the links a session remembers (-max-pending-links); it reports whether the link was known.
func (s *State) ForgetLink(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, open1 := s.checkouts[id]
	_, open2 := s.cardUpdates[id]
	_, used := s.closed[id]
	delete(s.checkouts, id)
	delete(s.cardUpdates, id)
	delete(s.closed, id)
	return open1 || open2 || used
}
