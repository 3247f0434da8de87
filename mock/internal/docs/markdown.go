package docs

import (
	"html"
	"html/template"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// markdown renders the Markdown the contract's descriptions are written in, the subset they use:
// paragraphs, "- " lists (an item continues on indented lines), fenced code blocks, pipe tables,
// and inline `code` and **strong** text; a strong "Decision D<n>" is marked as a decision (class
// "decision"). All text is escaped; no HTML of the source passes through.
func markdown(src string) template.HTML {
	var b strings.Builder
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	var para []string
	flush := func() {
		if len(para) > 0 {
			b.WriteString("<p>" + inline(strings.Join(para, "\n")) + "</p>\n")
			para = nil
		}
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
			flush()
		case strings.HasPrefix(trimmed, "```"):
			flush()
			var code []string
			for i++; i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), "```"); i++ {
				code = append(code, lines[i])
			}
			b.WriteString("<pre><code>" + html.EscapeString(strings.Join(code, "\n")) + "</code></pre>\n")
		case strings.HasPrefix(trimmed, "|"):
			flush()
			var rows []string
			for ; i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), "|"); i++ {
				rows = append(rows, strings.TrimSpace(lines[i]))
			}
			i--
			b.WriteString(table(rows))
		case strings.HasPrefix(line, "- "):
			flush()
			b.WriteString("<ul>\n")
			for i < len(lines) && strings.HasPrefix(lines[i], "- ") {
				item := []string{strings.TrimPrefix(lines[i], "- ")}
				for i++; i < len(lines) && strings.HasPrefix(lines[i], " ") && strings.TrimSpace(lines[i]) != ""; i++ {
					item = append(item, strings.TrimSpace(lines[i]))
				}
				b.WriteString("<li>" + inline(strings.Join(item, "\n")) + "</li>\n")
			}
			i--
			b.WriteString("</ul>\n")
		default:
			para = append(para, trimmed)
		}
	}
	flush()
	return template.HTML(b.String()) // escaped text and fixed tags only
}

// table renders pipe-table rows: a header row, the |---| row, then the body.
func table(rows []string) string {
	cells := func(row string) []string {
		parts := strings.Split(strings.Trim(row, "|"), "|")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return parts
	}
	var b strings.Builder
	b.WriteString("<table class=\"md\">\n")
	for i, row := range rows {
		if i == 1 && strings.Trim(row, "|-: ") == "" {
			continue
		}
		tag := "td"
		if i == 0 {
			tag = "th scope=\"col\""
		}
		b.WriteString("<tr>")
		for _, c := range cells(row) {
			b.WriteString("<" + tag + ">" + inline(c) + "</" + strings.Fields(tag)[0] + ">")
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</table>\n")
	return b.String()
}

var (
	codeSpan   = regexp.MustCompile("`([^`]+)`")
	strongSpan = regexp.MustCompile(`\*\*(.+?)\*\*`)
	decision   = regexp.MustCompile(`^Decision D\d`)
)

// inline renders one paragraph's text: code spans first (their text is never read as Markdown),
// then strong text, which may contain code spans.
func inline(s string) string {
	var codes []string
	s = strings.ReplaceAll(s, "\x00", "") // the placeholders' marker
	s = codeSpan.ReplaceAllStringFunc(s, func(m string) string {
		codes = append(codes, "<code>"+html.EscapeString(m[1:len(m)-1])+"</code>")
		return "\x00" + strconv.Itoa(len(codes)-1) + "\x00"
	})
	s = html.EscapeString(s)
	s = strongSpan.ReplaceAllStringFunc(s, func(m string) string {
		inner := m[2 : len(m)-2]
		if decision.MatchString(inner) {
			return `<strong class="decision">` + inner + "</strong>"
		}
		return "<strong>" + inner + "</strong>"
	})
	for i, c := range codes {
		s = strings.Replace(s, "\x00"+strconv.Itoa(i)+"\x00", c, 1)
	}
	return s
}

// decisionRefs are the decisions a text marks: "**Decision D2, D3: ...**" gives D2 and D3.
var decisionRefs = regexp.MustCompile(`\*\*Decision (D\d+(?:,\s*D\d+)*)`)

// decisionsIn appends to seen, in order and once each, the decisions the texts mark.
func decisionsIn(seen []string, texts ...string) []string {
	for _, t := range texts {
		for _, m := range decisionRefs.FindAllStringSubmatch(t, -1) {
			for _, d := range strings.Split(m[1], ",") {
				d = strings.TrimSpace(d)
				if !slices.Contains(seen, d) {
					seen = append(seen, d)
				}
			}
		}
	}
	return seen
}
