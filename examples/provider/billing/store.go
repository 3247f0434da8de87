// Package billing is the billing of Cloud Plans organizations, kept in SQLite: who may see and
// change an organization's billing, its subscription, its invoices, the payment and update-card
// links handed out to the payment provider, and the billing clock with its monthly renewals.
//
// Every operation runs in one transaction, so concurrent callers never see or leave a half-done
// change. Writes go through one connection and begin with BEGIN IMMEDIATE, so they queue in Go
// instead of failing with SQLITE_BUSY; reads use a pool of read-only connections and see one
// snapshot each (WAL mode).
//
// The package knows nothing of HTTP: the api package maps its refusals (Error) to the contract's
// answers, and the payments package calls the operations a payment provider's webhook triggers.
package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"
)

// Store is the billing state in one SQLite database file. It is safe for concurrent use.
type Store struct {
	db   *sql.DB // writes: one connection, every transaction BEGIN IMMEDIATE
	read *sql.DB // reads: a few read-only connections
}

// readConns is the number of connections that serve reads at once.
const readConns = 4

// Open opens (creating it if needed) the SQLite database at path and brings its schema up to date
// with the embedded migrations. path is a file name; it may not contain '?' or '#'.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open billing database: %q is not a usable file name", path)
	}
	// busy_timeout covers the other process that may share the file; synchronous(NORMAL) is safe
	// in WAL mode (a power loss may lose the last commits, never corrupt the file).
	pragmas := url.Values{"_pragma": {"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)"}}
	wq := url.Values{"_pragma": pragmas["_pragma"], "_txlock": {"immediate"}}
	db, err := sql.Open("sqlite", "file:"+path+"?"+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("open billing database %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	s := &Store{db: db}
	if _, err := migrate(ctx, db, migrationFiles); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("migrate billing database %s: %w", path, err)
	}
	rq := url.Values{"_pragma": append(pragmas["_pragma"], "query_only(1)")}
	s.read, err = sql.Open("sqlite", "file:"+path+"?"+rq.Encode())
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open billing database %s for reading: %w", path, err)
	}
	s.read.SetMaxOpenConns(readConns)
	return s, nil
}

// Close closes the database. Operations after Close fail.
func (s *Store) Close() error {
	return errors.Join(s.read.Close(), s.db.Close())
}

// write runs fn in one write transaction that sees the billing clock's now. It commits when fn
// returns nil and rolls back otherwise, returning fn's error as is.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx, now time.Time) error) error {
	return inTx(ctx, s.db, fn)
}

// view runs fn in one read-only transaction: everything fn reads comes from one snapshot.
func (s *Store) view(ctx context.Context, fn func(tx *sql.Tx, now time.Time) error) error {
	return inTx(ctx, s.read, fn)
}

func inTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx, now time.Time) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	now, err := clockNow(ctx, tx)
	if err != nil {
		return err
	}
	if err := fn(tx, now); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Times and dates are stored as fixed-width text in UTC, so that they sort as they compare.
const (
	timeLayout = "2006-01-02T15:04:05Z"
	dateLayout = time.DateOnly
)

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }
func formatDate(t time.Time) string { return t.UTC().Format(dateLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t, nil
}
