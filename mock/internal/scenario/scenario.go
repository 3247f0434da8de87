// Package scenario is the book of the named scenarios embedded in the binary (fixtures/scenarios/),
// parsed on first use and then shared: listing them or loading one parses nothing.
package scenario

import (
	"fmt"
	"sync"

	billingmock "github.com/cloudplans/billing-mock"
	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/fixture"
)

// Book is the embedded scenarios. The zero value is ready; it parses them on first use, once (not
// at start-up: that would add ~10 ms for a feature many runs never use).
type Book struct {
	load sync.Once
	list []fixture.ScenarioInfo
	byID map[string]*fixture.Seed
	err  error
}

func (b *Book) parse() {
	b.load.Do(func() {
		fsys := billingmock.Fixtures()
		names, err := fixture.ScenarioNames(fsys)
		if err != nil {
			b.err = fmt.Errorf("scenarios: %w", err)
			return
		}
		b.byID = make(map[string]*fixture.Seed, len(names))
		for _, name := range names {
			seed, err := fixture.Scenario(fsys, name)
			if err != nil {
				b.err = fmt.Errorf("scenario %s: %w", name, err)
				return
			}
			b.byID[name] = seed
			b.list = append(b.list, fixture.ScenarioInfo{Name: name, Description: seed.Description})
		}
	})
}

// List returns the scenarios, by name.
func (b *Book) List() ([]fixture.ScenarioInfo, error) {
	b.parse()
	return b.list, b.err
}

// Seed returns a scenario's seed (shared: state.New copies it). An unknown name is an *errcode.Error
// with code ScenarioNotFound that lists the names.
func (b *Book) Seed(name string) (*fixture.Seed, error) {
	b.parse()
	if b.err != nil {
		return nil, b.err
	}
	if seed, ok := b.byID[name]; ok {
		return seed, nil
	}
	names := make([]string, len(b.list))
	for i, sc := range b.list {
		names[i] = sc.Name
	}
	nf := &fixture.ScenarioNotFoundError{Name: name, Names: names}
	return nil, errcode.New(errcode.ScenarioNotFound, nf.Error())
}

// Known reports whether name is a scenario.
func (b *Book) Known(name string) bool {
	_, err := b.Seed(name)
	return err == nil
}
