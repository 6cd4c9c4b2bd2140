package node

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/clockwise-kv/clockwise/store"
)

// DataFile is the file in a node's data folder (Config.Data) that holds its
// store.
const DataFile = "store.db"

var (
	objectsBucket = []byte("objects") // SHA-256 of a key → the JSON of its store.Keyed
	nodeBucket    = []byte("node")    // who the folder belongs to: id, strategy
)

// disk is a node's data folder: its objects in a bbolt database, one
// transaction, and so one fsync, per save.
type disk struct {
	db *bolt.DB
}

// openDisk opens (or creates) the data folder dir of node id with strategy,
// and returns it with the objects it holds. A folder written by another
// node or strategy is refused: its objects would mean something else.
func openDisk(dir, id, strategy string) (*disk, []store.Keyed, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("node: data folder: %w", err)
	}
	path := filepath.Join(dir, DataFile)
	db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			err = errors.New("another process has it open")
		}
		return nil, nil, fmt.Errorf("node: data folder: %s: %w", path, err)
	}
	d := &disk{db: db}
	var objs []store.Keyed
	err = db.Update(func(tx *bolt.Tx) error {
		nb, err := tx.CreateBucketIfNotExists(nodeBucket)
		if err != nil {
			return err
		}
		for _, f := range []struct{ name, want string }{{"id", id}, {"strategy", strategy}} {
			switch got := nb.Get([]byte(f.name)); {
			case got == nil:
				if err := nb.Put([]byte(f.name), []byte(f.want)); err != nil {
					return err
				}
			case string(got) != f.want:
				return fmt.Errorf("it belongs to a node with %s %q, not %q", f.name, got, f.want)
			}
		}
		ob, err := tx.CreateBucketIfNotExists(objectsBucket)
		if err != nil {
			return err
		}
		return ob.ForEach(func(k, v []byte) error {
			var o store.Keyed
			if err := json.Unmarshal(v, &o); err != nil {
				return fmt.Errorf("object under %x: %w", k, err)
			}
			if sum := sha256.Sum256([]byte(o.Key)); !bytes.Equal(sum[:], k) {
				return fmt.Errorf("object under %x names key %q, whose hash is %x", k, o.Key, sum)
			}
			objs = append(objs, o)
			return nil
		})
	})
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("node: data folder %s: %w", dir, err)
	}
	return d, objs, nil
}

// save writes objs in one transaction, synced to disk before it returns.
func (d *disk) save(objs []store.Keyed) error {
	err := d.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(objectsBucket)
		for _, k := range objs {
			v, err := json.Marshal(k)
			if err != nil {
				return fmt.Errorf("object of key %q: %w", k.Key, err)
			}
			// Keyed by the key's hash: bbolt takes keys of up to 32 KiB
			// only, and a store key may be longer.
			sum := sha256.Sum256([]byte(k.Key))
			if err := b.Put(sum[:], v); err != nil {
				return fmt.Errorf("key %q: %w", k.Key, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("node: saving %d objects: %w", len(objs), err)
	}
	return nil
}

func (d *disk) close() error { return d.db.Close() }
