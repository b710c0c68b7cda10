package data_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/data"
	"gridgov/data/pgtest"
	"gridgov/dispatch"
)

func TestTokenKeyCreatedOnceAndStable(t *testing.T) {
	tx := pgtest.Tx(t)
	ctx := context.Background()
	_, err := tx.Exec(ctx, `DELETE FROM meta WHERE key = 'token_key'`)
	require.NoError(t, err)

	key, err := data.TokenKey(ctx, tx, "")
	require.NoError(t, err)
	assert.Len(t, key, 32)
	assert.NotEqual(t, make([]byte, 32), key)
	var stored string
	require.NoError(t, tx.QueryRow(ctx, `SELECT value FROM meta WHERE key = 'token_key'`).Scan(&stored))
	assert.Equal(t, hex.EncodeToString(key), stored)

	again, err := data.TokenKey(ctx, tx, "")
	require.NoError(t, err)
	assert.Equal(t, key, again, "the key is made once and then read")
	assert.Equal(t, 1, count(t, tx, `SELECT count(*) FROM meta WHERE key = 'token_key'`))

	// A key someone else stored first (another server) is the one everyone uses.
	_, err = tx.Exec(ctx, `UPDATE meta SET value = $1 WHERE key = 'token_key'`, strings.Repeat("ab", 40))
	require.NoError(t, err)
	theirs, err := data.TokenKey(ctx, tx, "")
	require.NoError(t, err)
	assert.Equal(t, bytes.Repeat([]byte{0xab}, 40), theirs)

	// A damaged stored key is an error, not a silent new key.
	_, err = tx.Exec(ctx, `UPDATE meta SET value = 'zz' WHERE key = 'token_key'`)
	require.NoError(t, err)
	_, err = data.TokenKey(ctx, tx, "")
	assert.ErrorIs(t, err, data.ErrBadTokenKey)
}

func TestTokenKeyFromEnv(t *testing.T) {
	tx := pgtest.Tx(t)
	ctx := context.Background()
	_, err := tx.Exec(ctx, `DELETE FROM meta WHERE key = 'token_key'`)
	require.NoError(t, err)

	env := strings.Repeat("0123456789abcdef", 4) // 32 bytes
	key, err := data.TokenKey(ctx, tx, env)
	require.NoError(t, err)
	want, _ := hex.DecodeString(env)
	assert.Equal(t, want, key)
	upper, err := data.TokenKey(ctx, tx, " "+strings.ToUpper(env)+"\n")
	require.NoError(t, err)
	assert.Equal(t, want, upper, "hex in either case, surrounding blanks ignored")
	assert.Zero(t, count(t, tx, `SELECT count(*) FROM meta WHERE key = 'token_key'`), "the env key is not stored")

	// It wins over a stored key.
	stored, err := data.TokenKey(ctx, tx, "")
	require.NoError(t, err)
	require.NotEqual(t, want, stored)
	key, err = data.TokenKey(ctx, tx, env)
	require.NoError(t, err)
	assert.Equal(t, want, key)

	for name, bad := range map[string]string{
		"too short": strings.Repeat("ab", 31),
		"not hex":   strings.Repeat("zz", 32),
		"odd":       strings.Repeat("a", 65),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := data.TokenKey(ctx, tx, bad)
			assert.ErrorIs(t, err, data.ErrBadTokenKey)
			assert.ErrorContains(t, err, "GRIDGOV_TOKEN_KEY")
		})
	}
}

func TestUnitExists(t *testing.T) {
	tx := pgtest.Tx(t)
	ctx := context.Background()
	town(t, tx)
	require.NoError(t, data.SaveCatalogue(ctx, tx, []dispatch.Department{{Code: "DT9", Name: "测试局", NameEn: "Test Bureau"}}, nil))

	for _, tc := range []struct {
		code, kind string
	}{
		{tStreet, "street"},
		{tCommunity, "community"},
		{tGridW, "grid"},
		{"DT9", "department"},
		{tStreet[:6], "county"}, // 370781, the prefix of the test street
		{"999999", ""},          // a county with no street
		{tStreet[:5], ""},
		{tStreet[:7], ""},
		{"370781999001009", ""},
		{"DT", ""},
		{"37078_", ""},
		{"%", ""},
		{"", ""},
	} {
		kind, ok, err := data.UnitExists(ctx, tx, tc.code)
		require.NoError(t, err, tc.code)
		assert.Equal(t, tc.kind != "", ok, tc.code)
		assert.Equal(t, tc.kind, kind, tc.code)
	}
}
