// An independent verifier for the ledger tests, built on Go's golang.org/x/mod/sumdb/note and
// tlog (Debian's golang-golang-x-mod-dev). It reads one JSON request on stdin and prints one
// JSON answer:
//
//	{"op": "notes", "vkey": V, "notes": [base64...]}           -> {"ok": [bool...]}
//	{"op": "cosigned", "vkey": V, "witnesses": [W...], "note": N} -> {"log": bool, "cosigned": [name...]}
//	{"op": "tiles", "dir": D, "trees": [{"size": n, "root": b64}], "indexes": [i...]}
//	                                                              -> {"ok": true} or {"error": "..."}
//
// note.Open decides "notes". Cosignatures (C2SP tlog-cosignature, type 0x04) are checked here
// from the spec, with crypto/ed25519. "tiles" reads a static export (C2SP tlog-tiles paths) with
// tlog.TileHashReader, which authenticates every tile against the tree, then checks each tree's
// root with tlog.TreeHash and inclusion proofs of the given entries with tlog.ProveRecord and
// tlog.CheckRecord against the entries in the exported bundles.
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type request struct {
	Op        string   `json:"op"`
	Vkey      string   `json:"vkey"`
	Notes     []string `json:"notes"`
	Note      string   `json:"note"`
	Witnesses []string `json:"witnesses"`
	Dir       string   `json:"dir"`
	Trees     []struct {
		Size int64  `json:"size"`
		Root string `json:"root"`
	} `json:"trees"`
	Indexes []int64 `json:"indexes"`
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fail(err)
	}
	var out any
	switch req.Op {
	case "notes":
		v, err := note.NewVerifier(req.Vkey)
		if err != nil {
			fail(err)
		}
		ok := make([]bool, len(req.Notes))
		for i, b64 := range req.Notes {
			msg, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				fail(err)
			}
			_, err = note.Open(msg, note.VerifierList(v))
			ok[i] = err == nil
		}
		out = map[string]any{"ok": ok}
	case "cosigned":
		out = cosigned(req)
	case "tiles":
		if err := checkTiles(req); err != nil {
			out = map[string]any{"error": err.Error()}
		} else {
			out = map[string]any{"ok": true}
		}
	default:
		fail(fmt.Errorf("unknown op %q", req.Op))
	}
	json.NewEncoder(os.Stdout).Encode(out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(2)
}

func cosigned(req request) map[string]any {
	v, err := note.NewVerifier(req.Vkey)
	if err != nil {
		fail(err)
	}
	n, err := note.Open([]byte(req.Note), note.VerifierList(v))
	if err != nil {
		return map[string]any{"log": false, "cosigned": []string{}}
	}
	names := []string{}
	for _, w := range req.Witnesses {
		// name+hexid+base64(0x04 || key)
		parts := strings.SplitN(w, "+", 3)
		raw, err := base64.StdEncoding.DecodeString(parts[2])
		if err != nil || len(raw) != 33 || raw[0] != 0x04 {
			fail(fmt.Errorf("not a cosignature key: %s", w))
		}
		id := sha256.Sum256(append([]byte(parts[0]+"\n\x04"), raw[1:]...))
		for _, sig := range n.UnverifiedSigs {
			if sig.Name != parts[0] || sig.Hash != binary.BigEndian.Uint32(id[:4]) {
				continue
			}
			blob, err := base64.StdEncoding.DecodeString(sig.Base64)
			if err != nil || len(blob) != 4+8+64 {
				continue
			}
			ts := binary.BigEndian.Uint64(blob[4:12])
			msg := "cosignature/v1\ntime " + strconv.FormatUint(ts, 10) + "\n" + n.Text
			if ed25519.Verify(ed25519.PublicKey(raw[1:]), []byte(msg), blob[12:]) {
				names = append(names, sig.Name)
				break
			}
		}
	}
	return map[string]any{"log": true, "cosigned": names}
}

type dirTiles struct{ dir string }

func (d dirTiles) Height() int { return 8 }

func (d dirTiles) path(t tlog.Tile) string {
	// tlog names tiles tile/8/L/N (data tiles tile/8/data/N); C2SP drops the height and calls
	// the data tiles "entries".
	p := strings.TrimPrefix(t.Path(), "tile/8/")
	p = strings.Replace(p, "data/", "entries/", 1)
	return filepath.Join(d.dir, "tile", p)
}

func (d dirTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		data, err := os.ReadFile(d.path(t))
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func (d dirTiles) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

func checkTiles(req request) error {
	reader := dirTiles{req.Dir}
	for _, tree := range req.Trees {
		root, err := base64.StdEncoding.DecodeString(tree.Root)
		if err != nil || len(root) != 32 {
			return fmt.Errorf("bad root for size %d", tree.Size)
		}
		var h tlog.Hash
		copy(h[:], root)
		hr := tlog.TileHashReader(tlog.Tree{N: tree.Size, Hash: h}, reader)
		got, err := tlog.TreeHash(tree.Size, hr)
		if err != nil {
			return fmt.Errorf("size %d: %v", tree.Size, err)
		}
		if got != h {
			return fmt.Errorf("size %d: the tiles give another root", tree.Size)
		}
		for _, i := range req.Indexes {
			if i >= tree.Size {
				continue
			}
			entry, err := entryAt(req.Dir, i, tree.Size)
			if err != nil {
				return err
			}
			proof, err := tlog.ProveRecord(tree.Size, i, hr)
			if err != nil {
				return fmt.Errorf("size %d index %d: %v", tree.Size, i, err)
			}
			if err := tlog.CheckRecord(proof, tree.Size, h, i, tlog.RecordHash(entry)); err != nil {
				return fmt.Errorf("size %d index %d: %v", tree.Size, i, err)
			}
		}
	}
	return nil
}

func entryAt(dir string, i, size int64) ([]byte, error) {
	t := tlog.Tile{H: 8, L: -1, N: i / 256, W: 256}
	if rest := size - t.N*256; rest < 256 {
		t.W = int(rest)
	}
	data, err := os.ReadFile(dirTiles{dir}.path(t))
	if err != nil {
		return nil, err
	}
	for k := int64(0); ; k++ {
		if len(data) < 2 {
			return nil, fmt.Errorf("bundle %d ends before entry %d", t.N, i)
		}
		n := int(binary.BigEndian.Uint16(data))
		if len(data) < 2+n {
			return nil, fmt.Errorf("bundle %d is truncated", t.N)
		}
		if t.N*256+k == i {
			return append([]byte(nil), data[2:2+n]...), nil
		}
		data = data[2+n:]
	}
}
