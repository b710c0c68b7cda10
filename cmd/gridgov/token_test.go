package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/api"
	"gridgov/data"
	"gridgov/data/pgtest"
	"gridgov/dispatch"
)

// TestToken issues tokens from a demo city and checks them with the key the database holds, as a server would.
func TestToken(t *testing.T) {
	url := pgtest.NewDatabase(t)
	_, _, err := gridgov(t, url, "demo", "--seed", "3", "--cases", "1")
	require.NoError(t, err)

	pool, err := data.Open(context.Background(), url)
	require.NoError(t, err)
	defer pool.Close()
	var dept string
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT min(code) FROM departments`).Scan(&dept))

	verify := func(t *testing.T, out string) dispatch.Actor {
		t.Helper()
		require.True(t, strings.HasSuffix(out, "\n"))
		tok := strings.TrimSuffix(out, "\n")
		require.NotContains(t, tok, "\n", "the token alone on stdout")
		require.NotContains(t, tok, " ")
		key, err := data.TokenKey(context.Background(), pool, "")
		require.NoError(t, err)
		tk, err := api.NewTokens(key)
		require.NoError(t, err)
		a, err := tk.Verify(tok, time.Now())
		require.NoError(t, err)
		return a
	}

	ok := []struct {
		args []string
		want dispatch.Actor
	}{
		{[]string{"--role", "grid_chief", "--unit", "370781006033001"},
			dispatch.Actor{Role: dispatch.RoleGridChief, Unit: "370781006033001", Subject: "grid_chief:370781006033001"}},
		{[]string{"--role", "resident", "--unit", "370781006033", "--sub", "R42", "--ttl", "1m"},
			dispatch.Actor{Role: dispatch.RoleResident, Unit: "370781006033", Subject: "R42"}},
		{[]string{"--role", "admin", "--unit", "370781", "--ttl", "8760h"},
			dispatch.Actor{Role: dispatch.RoleAdmin, Unit: "370781", Subject: "admin:370781"}},
		{[]string{"--role", "dispatcher", "--unit", "370781006"},
			dispatch.Actor{Role: dispatch.RoleDispatcher, Unit: "370781006", Subject: "dispatcher:370781006"}},
		{[]string{"--role", "open311", "--unit", "370781", "--sub", "wechat-miniapp"},
			dispatch.Actor{Role: dispatch.RoleOpen311, Unit: "370781", Subject: "wechat-miniapp"}},
		{[]string{"--role", "department", "--unit", dept},
			dispatch.Actor{Role: dispatch.RoleDepartment, Unit: dept, Subject: "department:" + dept}},
	}
	for _, tc := range ok {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, stderr, err := gridgov(t, url, append([]string{"token"}, tc.args...)...)
			require.NoError(t, err, stderr)
			assert.Empty(t, stderr)
			assert.Equal(t, tc.want, verify(t, out))
		})
	}

	// Every run uses the one key the first run created.
	a, _, err := gridgov(t, url, "token", "--role", "admin", "--unit", "370781")
	require.NoError(t, err)
	b, _, err := gridgov(t, url, "token", "--role", "admin", "--unit", "370781")
	require.NoError(t, err)
	verify(t, a)
	verify(t, b)

	// GRIDGOV_TOKEN_KEY, when set, is the key.
	envKey := strings.Repeat("5a", 32)
	var out, errb bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"token", "--role", "planner", "--unit", "370781"},
		func(k string) string {
			if k == "GRIDGOV_TOKEN_KEY" {
				return envKey
			}
			return envFor(url)(k)
		}, &out, &errb), errb.String())
	raw, err := hex.DecodeString(envKey)
	require.NoError(t, err)
	tk, err := api.NewTokens(raw)
	require.NoError(t, err)
	got, err := tk.Verify(strings.TrimSpace(out.String()), time.Now())
	require.NoError(t, err)
	assert.Equal(t, dispatch.Actor{Role: dispatch.RolePlanner, Unit: "370781", Subject: "planner:370781"}, got)

	bad := []struct {
		name   string
		args   []string
		status exitError
		stderr string
	}{
		{"no role", []string{"--unit", "370781"}, 2, "--role is required"},
		{"unknown role", []string{"--role", "mayor", "--unit", "370781"}, 2, `--role "mayor" is not a role`},
		{"system role", []string{"--role", "system", "--unit", "370781"}, 2, "is not a role"},
		{"no unit", []string{"--role", "admin"}, 2, "--unit is required"},
		{"ttl too short", []string{"--role", "admin", "--unit", "370781", "--ttl", "59s"}, 2, "--ttl"},
		{"ttl too long", []string{"--role", "admin", "--unit", "370781", "--ttl", "8761h"}, 2, "--ttl"},
		{"ttl not a duration", []string{"--role", "admin", "--unit", "370781", "--ttl", "a month"}, 2, "invalid value"},
		{"stray argument", []string{"--role", "admin", "--unit", "370781", "extra"}, 2, "unexpected argument"},
		{"unknown flag", []string{"--role", "admin", "--unit", "370781", "--scope", "x"}, 2, "not defined"},
		{"unknown unit", []string{"--role", "grid_chief", "--unit", "370781006033999"}, 1, "no unit, department or county"},
		{"unknown county", []string{"--role", "admin", "--unit", "370999"}, 1, "no unit, department or county"},
		{"department for a unit role", []string{"--role", "grid_worker", "--unit", dept}, 1, "is a department"},
		{"unit for a department", []string{"--role", "department", "--unit", "370781006"}, 1, "needs a department"},
		{"county for a resident", []string{"--role", "resident", "--unit", "370781"}, 1, "is a county"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, err := gridgov(t, url, append([]string{"token"}, tc.args...)...)
			assert.Equal(t, tc.status, err)
			assert.Empty(t, out, "nothing on stdout")
			assert.Contains(t, stderr, tc.stderr)
		})
	}
}
