package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDataSendsSQLOnlyWithParameters keeps package data's queries constant as the code grows.
func TestDataSendsSQLOnlyWithParameters(t *testing.T) {
	problems, err := check("../../data")
	require.NoError(t, err)
	for _, p := range problems {
		t.Error(p)
	}
}

// TestCheckFindsBuiltQueries: the checker itself finds concatenation, fmt.Sprintf and joins of outside values,
// and accepts constants, placeholders and integers.
func TestCheckFindsBuiltQueries(t *testing.T) {
	problems, err := check("testdata/bad")
	require.NoError(t, err)
	var funcs []string
	for _, p := range problems {
		if p.Func != "allowed" {
			funcs = append(funcs, p.Func)
		}
	}
	assert.Equal(t, []string{"concatenated", "sprintf", "joined"}, funcs)
}
