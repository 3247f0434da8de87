package mock

import (
	"errors"
	"fmt"

	billingmock "github.com/cloudplans/billing-mock"
	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/fixture"
)

// scenarioBook holds the embedded named scenarios, parsed once: listing them or loading one into a
// session parses nothing.
type scenarioBook struct {
	list  []fixture.ScenarioInfo
	seeds map[string]*fixture.Seed
	names []string
}

func loadScenarios() (*scenarioBook, error) {
	fsys := billingmock.Fixtures()
	names, err := fixture.ScenarioNames(fsys)
	if err != nil {
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	b := &scenarioBook{seeds: make(map[string]*fixture.Seed, len(names)), names: names}
	for _, name := range names {
		seed, err := fixture.Scenario(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("scenario %s: %w", name, err)
		}
		b.seeds[name] = seed
		b.list = append(b.list, fixture.ScenarioInfo{Name: name, Description: seed.Description})
	}
	return b, nil
}

// scenarioSeed returns a scenario's seed from the server's book; an unknown name is an
// *errcode.Error with code ScenarioNotFound that lists the names.
func (s *Server) scenarioSeed(name string) (*fixture.Seed, error) {
	b, err := s.scenarios()
	if err != nil {
		return nil, err
	}
	seed, err := b.seed(name)
	var nf *fixture.ScenarioNotFoundError
	if errors.As(err, &nf) {
		return nil, errcode.New(errcode.ScenarioNotFound, nf.Error())
	}
	return seed, err
}

// scenarioList returns the embedded scenarios, by name.
func (s *Server) scenarioList() ([]fixture.ScenarioInfo, error) {
	b, err := s.scenarios()
	if err != nil {
		return nil, err
	}
	return b.list, nil
}

// seed returns a scenario's seed (shared: state.New copies it); an unknown name is a
// *fixture.ScenarioNotFoundError.
func (b *scenarioBook) seed(name string) (*fixture.Seed, error) {
	if seed, ok := b.seeds[name]; ok {
		return seed, nil
	}
	return nil, &fixture.ScenarioNotFoundError{Name: name, Names: b.names}
}
