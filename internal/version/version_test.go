package version

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDescribe(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}
	assert.Equal(t, "v1.2.3", describe(bi))
	bi = &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "57513b6c1e2f0a9d8c7b6a5f4e3d2c1b0a998877"}, {Key: "vcs.modified", Value: "true"}}}
	assert.Equal(t, "(devel), rev 57513b6c1e2f, modified", describe(bi))
	bi = &debug.BuildInfo{Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "false"}}}
	assert.Equal(t, "(devel), rev abc", describe(bi))
	assert.NotEmpty(t, String())
}
