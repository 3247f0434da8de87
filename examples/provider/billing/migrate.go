package billing

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// migrationFiles are the schema's versions: migrations/NNNN_what.sql, numbered from 0001 without
// gaps. An applied migration is never edited; a change to the schema is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one versioned SQL file.
type migration struct {
	version int
	name    string // the file name
	sql     string
	sum     string // hex SHA-256 of sql
}

var migrationName = regexp.MustCompile(`^([0-9]{4})_[a-z0-9_]+\.sql$`)

// loadMigrations reads every migrations/*.sql file of fsys, in version order, and refuses a name
// that is not NNNN_what.sql, a repeated version and a gap.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration %s: the name must be NNNN_what.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		text, err := fs.ReadFile(fsys, path.Join("migrations", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		sum := sha256.Sum256(text)
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(text), sum: hex.EncodeToString(sum[:])})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %04d (versions start at 0001 and have no gaps or repeats)", m.name, i+1)
		}
	}
	return ms, nil
}

// migrate applies, in order, each migration of fsys the database does not have yet, each in its
// own transaction together with its row in schema_migrations, so that a failing migration leaves
// the database at the version before it. Running it again applies nothing. It refuses a database
// whose applied migrations differ from fsys's (an edited file) or that is newer than fsys. It
// returns the versions it applied.
func migrate(ctx context.Context, db *sql.DB, fsys fs.FS) ([]int, error) {
	ms, err := loadMigrations(fsys)
	if err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		sha256     TEXT NOT NULL,
		applied_at TEXT NOT NULL
	) STRICT`); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	var newest int
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&newest); err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	if newest > len(ms) {
		return nil, fmt.Errorf("the database is at schema version %d, newer than this program's %d: use a newer program", newest, len(ms))
	}
	var applied []int
	for _, m := range ms {
		done, err := applyMigration(ctx, db, m)
		if err != nil {
			return applied, err
		}
		if done {
			applied = append(applied, m.version)
		}
	}
	return applied, nil
}

// applyMigration applies m unless the database has it; it reports whether it applied it.
func applyMigration(ctx context.Context, db *sql.DB, m migration) (bool, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migration %s: begin: %w", m.name, err)
	}
	defer func() { _ = tx.Rollback() }()
	var sum string
	switch err := tx.QueryRowContext(ctx, `SELECT sha256 FROM schema_migrations WHERE version = ?`, m.version).Scan(&sum); {
	case err == nil:
		if sum != m.sum {
			return false, fmt.Errorf("migration %s was applied with other contents (sha256 %s, the file has %s): never edit an applied migration, add a new one", m.name, sum, m.sum)
		}
		return false, nil
	case !errors.Is(err, sql.ErrNoRows):
		return false, fmt.Errorf("migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return false, fmt.Errorf("migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (?, ?, ?, ?)`,
		m.version, m.name, m.sum, formatTime(time.Now())); err != nil {
		return false, fmt.Errorf("migration %s: record it: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migration %s: commit: %w", m.name, err)
	}
	return true, nil
}
