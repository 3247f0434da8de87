package docs

import (
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMarkdown(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"paragraphs", "one\ntwo\n\nthree", "<p>one\ntwo</p>\n<p>three</p>\n"},
		{"code and strong", "**the `action` parameter** and `<b>`", "<p><strong>the <code>action</code> parameter</strong> and <code>&lt;b&gt;</code></p>\n"},
		{"decision", "**Decision D4:** an integer", `<p><strong class="decision">Decision D4:</strong> an integer</p>` + "\n"},
		{"list", "Intro.\n\n- `a`: one\n  continued\n- b\n\nAfter.", "<p>Intro.</p>\n<ul>\n<li><code>a</code>: one\ncontinued</li>\n<li>b</li>\n</ul>\n<p>After.</p>\n"},
		{"fence", "```yaml\nx: <y>\n```\n", "<pre><code>x: &lt;y&gt;</code></pre>\n"},
		{"table", "| status | codes |\n|---|---|\n| 400 | `a`, `b` |", "<table class=\"md\">\n<tr><th scope=\"col\">status</th><th scope=\"col\">codes</th></tr>\n<tr><td>400</td><td><code>a</code>, <code>b</code></td></tr>\n</table>\n"},
		{"html is text", "<script>alert(1)</script> & \"x\"", "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;x&#34;</p>\n"},
		{"placeholder bytes", "a\x000\x00 `c`", "<p>a0 <code>c</code></p>\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(markdown(tt.in)))
		})
	}
}

func TestDecisionsIn(t *testing.T) {
	got := decisionsIn(nil, "**Decision D2, D3: locations.** x **Decision D2:** again", "**Decision D15 (an addition):** y", "Decision D9 not marked")
	assert.Equal(t, []string{"D2", "D3", "D15"}, got)
}

var anyTag = regexp.MustCompile(`<(/?[a-z]+)`)

// FuzzMarkdown: whatever the text, the HTML holds only the renderer's own tags.
func FuzzMarkdown(f *testing.F) {
	f.Add("**Decision D1:** `x` <b>\n\n- a\n  b\n| a | b |\n|--|--|\n| `<i>` | **c** |\n```\n<script>\n```")
	f.Add("**`**`**")
	f.Fuzz(func(t *testing.T, s string) {
		allowed := []string{"p", "/p", "ul", "/ul", "li", "/li", "pre", "/pre", "code", "/code", "strong", "/strong", "table", "/table", "tr", "/tr", "th", "/th", "td", "/td"}
		for _, m := range anyTag.FindAllStringSubmatch(string(markdown(s)), -1) {
			if !slices.Contains(allowed, m[1]) {
				t.Fatalf("tag %q in the HTML of %q", m[1], s)
			}
		}
	})
}
