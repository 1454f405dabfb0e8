package state

import (
	"database/sql"
	"fmt"
	"sync"

	"github.com/mattn/go-sqlite3" // also registers the "sqlite3" driver the readers use
)

// Copying the WAL into the database file (a checkpoint) and syncing that
// file takes a good part of the time of a large commit. The writer does not do it
// itself: after each write, a goroutine with its own connection runs a
// PASSIVE checkpoint, which waits for nobody and is never waited for, so
// commits return once the WAL is synced. The writer's automatic checkpoint
// stays as a backstop at a much larger WAL, should the goroutine fall
// behind (a long read can hold a checkpoint back).

// writerDriver is go-sqlite3 with the writer's backstop set on every
// connection it opens (database/sql may replace a connection, and the
// setting is per connection).
const writerDriver = "sluice-sqlite3-writer"

// backstopPages is the WAL size, in pages, at which the writer checkpoints
// by itself: 64 MiB of 4 KiB pages.
const backstopPages = 16384

func init() {
	sql.Register(writerDriver, &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			_, err := c.Exec(fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", backstopPages), nil)
			return err
		},
	})
}

type checkpointer struct {
	db   *sql.DB
	poke chan struct{} // buffered 1: pokes while a checkpoint runs make one more
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

func startCheckpointer(dsn string) (*checkpointer, error) {
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	c := &checkpointer{db: db, poke: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c, nil
}

// wake asks for a checkpoint. It never blocks, also after close.
func (c *checkpointer) wake() {
	select {
	case c.poke <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run() {
	defer close(c.done)
	for {
		select {
		case <-c.stop:
			return
		case <-c.poke:
			// A failure (the database is closing, a reader holds the
			// frames) is left to the next checkpoint, which copies what
			// this one could not.
			c.db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
}

func (c *checkpointer) close() error {
	c.once.Do(func() { close(c.stop) })
	<-c.done
	return c.db.Close()
}
