package billing

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// rawDB opens a fresh database file the way Open does for writing, without migrating it.
func rawDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "m.db")+"?_txlock=immediate&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func files(names ...string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for _, n := range names {
		text, err := migrationFiles.ReadFile("migrations/" + n)
		if err != nil {
			panic(err)
		}
		fsys["migrations/"+n] = &fstest.MapFile{Data: text}
	}
	return fsys
}

func embeddedNames(t *testing.T) []string {
	t.Helper()
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range ms {
		names = append(names, m.name)
	}
	if len(names) < 2 {
		t.Fatalf("expected several embedded migrations, got %v", names)
	}
	return names
}

func tables(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	return names
}

func TestMigrateAppliesEachVersionOnce(t *testing.T) {
	ctx := context.Background()
	db := rawDB(t)
	names := embeddedNames(t)
	applied, err := migrate(ctx, db, files(names[0]))
	if err != nil || !slices.Equal(applied, []int{1}) {
		t.Fatalf("first migration: applied %v, %v", applied, err)
	}
	applied, err = migrate(ctx, db, migrationFiles)
	var want []int
	for i := 2; i <= len(names); i++ {
		want = append(want, i)
	}
	if err != nil || !slices.Equal(applied, want) {
		t.Fatalf("the rest: applied %v, want %v (%v)", applied, want, err)
	}
	before := tables(t, db)
	applied, err = migrate(ctx, db, migrationFiles)
	if err != nil || len(applied) != 0 {
		t.Fatalf("again: applied %v, %v; want nothing", applied, err)
	}
	if after := tables(t, db); !slices.Equal(before, after) {
		t.Errorf("tables changed on a second run: %v -> %v", before, after)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(names) {
		t.Errorf("schema_migrations has %d rows (%v), want %d", n, err, len(names))
	}
	for _, want := range []string{"invoices", "payment_links", "schema_migrations", "subscriptions", "test_clock", "webhook_events"} {
		if !slices.Contains(before, want) {
			t.Errorf("no table %s after migrating: %v", want, before)
		}
	}
}

func TestMigrateRollsBackAFailingMigration(t *testing.T) {
	ctx := context.Background()
	db := rawDB(t)
	fsys := files(embeddedNames(t)[0])
	fsys["migrations/0002_broken.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE half (a INTEGER);\nINSERT INTO no_such_table VALUES (1);\n")}
	applied, err := migrate(ctx, db, fsys)
	if err == nil || !strings.Contains(err.Error(), "0002_broken.sql") {
		t.Fatalf("want an error naming 0002_broken.sql, got %v", err)
	}
	if !slices.Equal(applied, []int{1}) {
		t.Errorf("applied %v, want [1]", applied)
	}
	if slices.Contains(tables(t, db), "half") {
		t.Error("the failed migration's first statement was kept")
	}
	var v int
	if err := db.QueryRow(`SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil || v != 1 {
		t.Errorf("version %d (%v), want 1", v, err)
	}
}

func TestMigrateRefuses(t *testing.T) {
	ctx := context.Background()
	names := embeddedNames(t)
	t.Run("an edited applied migration", func(t *testing.T) {
		db := rawDB(t)
		if _, err := migrate(ctx, db, migrationFiles); err != nil {
			t.Fatal(err)
		}
		fsys := files(names...)
		fsys["migrations/"+names[0]].Data = append(fsys["migrations/"+names[0]].Data, "\n-- edited\n"...)
		if _, err := migrate(ctx, db, fsys); err == nil || !strings.Contains(err.Error(), "never edit an applied migration") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a database newer than the program", func(t *testing.T) {
		db := rawDB(t)
		if _, err := migrate(ctx, db, migrationFiles); err != nil {
			t.Fatal(err)
		}
		if _, err := migrate(ctx, db, files(names[0])); err == nil || !strings.Contains(err.Error(), "newer than this program") {
			t.Errorf("got %v", err)
		}
	})
	for name, fsys := range map[string]fstest.MapFS{
		"a gap":      {"migrations/0001_a.sql": {Data: []byte("SELECT 1;")}, "migrations/0003_c.sql": {Data: []byte("SELECT 1;")}},
		"a bad name": {"migrations/1_a.sql": {Data: []byte("SELECT 1;")}},
		"a repeat":   {"migrations/0001_a.sql": {Data: []byte("SELECT 1;")}, "migrations/0001_b.sql": {Data: []byte("SELECT 1;")}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := migrate(ctx, rawDB(t), fsys); err == nil {
				t.Error("migrated")
			}
		})
	}
}

// TestOpenMigratesOnce: opening a database twice (a restart) keeps its data and applies nothing.
func TestOpenMigratesOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "billing.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Load(ctx, Demo()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	d, err := s.Describe(ctx, "usr_owner", "org_acme")
	if err != nil || d.Subscription == nil || d.Subscription.Quantity != 3 {
		t.Errorf("after reopening: %+v, %v", d, err)
	}
	for _, bad := range []string{"", "x.db?mode=ro", "x#y"} {
		if _, err := Open(ctx, bad); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
}
