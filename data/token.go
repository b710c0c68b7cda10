package data

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"gridgov/geo"
)

// minTokenKey is the shortest signing key accepted for bearer tokens, in bytes.
const minTokenKey = 32

// ErrBadTokenKey is a signing key that is not hex or is shorter than 32 bytes.
var ErrBadTokenKey = errors.New("bad token key")

// TokenKey returns the key that signs bearer tokens. env is GRIDGOV_TOKEN_KEY: when set it must be at least 32
// bytes as hex, and it wins. Otherwise the key is the meta row token_key, which the first caller creates from 32
// random bytes; servers that start together race to insert it and all read back the one that won.
func TokenKey(ctx context.Context, db DB, env string) ([]byte, error) {
	if env = strings.TrimSpace(env); env != "" {
		key, err := decodeTokenKey(env)
		if err != nil {
			return nil, fmt.Errorf("GRIDGOV_TOKEN_KEY: %w", err)
		}
		return key, nil
	}
	const (
		read   = `SELECT value FROM meta WHERE key = 'token_key'`
		create = `INSERT INTO meta (key, value) VALUES ('token_key', $1) ON CONFLICT (key) DO NOTHING`
	)
	var value string
	err := db.QueryRow(ctx, read).Scan(&value)
	if errors.Is(err, pgx.ErrNoRows) {
		fresh := make([]byte, minTokenKey)
		if _, err := rand.Read(fresh); err != nil {
			return nil, fmt.Errorf("token key: %w", err)
		}
		if _, err := db.Exec(ctx, create, hex.EncodeToString(fresh)); err != nil {
			return nil, fmt.Errorf("token key: %w", translate(err))
		}
		err = db.QueryRow(ctx, read).Scan(&value)
	}
	if err != nil {
		return nil, fmt.Errorf("token key: %w", translate(err))
	}
	key, err := decodeTokenKey(value)
	if err != nil {
		return nil, fmt.Errorf("meta token_key: %w", err)
	}
	return key, nil
}

func decodeTokenKey(s string) ([]byte, error) {
	key, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: not hex", ErrBadTokenKey)
	}
	if len(key) < minTokenKey {
		return nil, fmt.Errorf("%w: %d bytes, want at least %d (%d hex digits)", ErrBadTokenKey, len(key),
			minTokenKey, 2*minTokenKey)
	}
	return key, nil
}

// UnitExists says what a code names, for scoping tokens: an area unit (kind is its level: street, community, grid,
// building), a department ("department") or a county ("county": the 6-digit prefix of a stored street's code,
// for city-wide tokens). ok is false when it names none of these.
func UnitExists(ctx context.Context, db DB, code string) (kind string, ok bool, err error) {
	const q = `SELECT coalesce(
		(SELECT level FROM units WHERE code = $1),
		(SELECT 'department' FROM departments WHERE code = $1),
		(SELECT 'county' WHERE $2 AND EXISTS (SELECT 1 FROM units WHERE level = 'street' AND left(code, 6) = $1)))`
	if code == "" {
		return "", false, nil
	}
	county := len(code) == geo.CountyCodeLen && strings.Trim(code, "0123456789") == ""
	var k *string
	if err := db.QueryRow(ctx, q, code, county).Scan(&k); err != nil {
		return "", false, fmt.Errorf("unit %s: %w", code, translate(err))
	}
	if k == nil {
		return "", false, nil
	}
	return *k, true, nil
}
