package data_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/data"
	"gridgov/data/pgtest"
	"gridgov/dispatch"
)

func TestCaseStorePhotos(t *testing.T) {
	tx := pgtest.Tx(t)
	town(t, tx)
	catalogue(t, tx)
	store := data.NewCaseStore(tx)
	defer store.Close()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	png := dispatch.Photo{ContentType: "image/png", SHA256: "aa", Bytes: []byte("\x89PNG\r\n\x1a\n one")}
	jpeg := dispatch.Photo{ContentType: "image/jpeg", SHA256: "bb", Bytes: []byte("\xff\xd8\xff two")}
	webp := dispatch.Photo{ContentType: "image/webp", SHA256: "cc", Bytes: []byte("RIFF....WEBPVP8 three")}

	// The report's own photos, a supporter's, then one added by a resolve.
	nc := newCase("t_noise", 0, now, "")
	nc.Photos = []dispatch.Photo{png, jpeg}
	first, err := store.Create(ctx, nc)
	require.NoError(t, err)
	id := first.Case.ID
	sup := newCase("t_noise", 20, now.Add(time.Minute), "")
	sup.Photos = []dispatch.Photo{webp}
	dup, err := store.Create(ctx, sup)
	require.NoError(t, err)
	require.Equal(t, id, dup.DuplicateOf)
	_, events, err := store.Update(ctx, id, func(c dispatch.Case) (dispatch.Case, []dispatch.Event, error) {
		return c, []dispatch.Event{{Action: "resolve", From: c.Status, To: c.Status, ActorRole: "grid_worker",
			At: now.Add(time.Hour), Photos: []dispatch.Photo{jpeg}}}, nil
	})
	require.NoError(t, err)
	require.Len(t, events, 1)
	require.NotZero(t, events[0].ID)

	list, err := store.Photos(ctx, id)
	require.NoError(t, err)
	require.Len(t, list, 4)
	for i, want := range []struct {
		p      dispatch.Photo
		action string
	}{{png, ""}, {jpeg, ""}, {webp, ""}, {jpeg, "resolve"}} {
		got := list[i]
		assert.Equal(t, i+1, got.Index)
		assert.Equal(t, want.p.ContentType, got.ContentType)
		assert.Equal(t, want.p.SHA256, got.SHA256)
		assert.Equal(t, len(want.p.Bytes), got.Size)
		assert.Nil(t, got.Bytes, "the list carries no bytes")
		assert.False(t, got.CreatedAt.IsZero())
		assert.Equal(t, want.action, got.Action)
		if want.action == "" {
			assert.Zero(t, got.EventID)
		} else {
			assert.Equal(t, events[0].ID, got.EventID)
		}
		one, err := store.Photo(ctx, id, i+1)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(want.p.Bytes, one.Bytes), "photo %d byte for byte", i+1)
		assert.Equal(t, got.SHA256, one.SHA256)
		assert.Equal(t, got.EventID, one.EventID)
		assert.Equal(t, got.Index, one.Index)
	}

	for _, n := range []int{0, 5, -1} {
		_, err = store.Photo(ctx, id, n)
		assert.ErrorIs(t, err, dispatch.ErrNotFound, "photo %d", n)
	}
	_, err = store.Photo(ctx, id+1000, 1)
	assert.ErrorIs(t, err, dispatch.ErrNotFound)
	none, err := store.Photos(ctx, id+1000)
	require.NoError(t, err)
	assert.Empty(t, none)
}
