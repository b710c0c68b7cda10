package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestImportDirection keeps the dependency rules true as the code grows.
func TestImportDirection(t *testing.T) {
	problems, err := check("../..")
	require.NoError(t, err)
	require.Empty(t, problems)
}
