package reports

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// docPart is one part of the .docx archive.
type docPart struct{ name, body string }

const xmlHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

const nsW = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`

// docProps are a document's properties. Stamp is the time it says it was made: the
// moment its data holds as of, never the clock, so the same input gives the same bytes.
type docProps struct {
	title, subject, keywords string
	stamp                    time.Time
}

// documentParts are the parts of the document whose body is body, in archive order
// ([Content_Types].xml first, as readers that stream the archive expect).
func documentParts(props docProps, body string) []docPart {
	stamp := props.stamp.UTC().Format("2006-01-02T15:04:05Z")
	return []docPart{
		{"[Content_Types].xml", xmlHead + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
			`<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>` +
			`<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>` +
			`<Override PartName="/word/fontTable.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"/>` +
			`<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>` +
			`<Override PartName="/word/footer2.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>` +
			`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>` +
			`<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>` +
			`</Types>`},
		{"_rels/.rels", xmlHead + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>` +
			`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>` +
			`</Relationships>`},
		{"docProps/core.xml", xmlHead + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
			`<dc:title>` + escapeXML(props.title) + `</dc:title><dc:subject>` + escapeXML(props.subject) + `</dc:subject><dc:creator>minqing</dc:creator>` +
			`<cp:keywords>` + escapeXML(props.keywords) + `</cp:keywords><dc:language>zh-CN</dc:language>` +
			`<dcterms:created xsi:type="dcterms:W3CDTF">` + stamp + `</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">` + stamp + `</dcterms:modified>` +
			`</cp:coreProperties>`},
		{"docProps/app.xml", xmlHead + `<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>minqing</Application></Properties>`},
		{"word/_rels/document.xml.rels", xmlHead + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/>` +
			`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable" Target="fontTable.xml"/>` +
			`<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/>` +
			`<Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer2.xml"/>` +
			`</Relationships>`},
		{"word/document.xml", xmlHead + `<w:document ` + nsW + `><w:body>` + body + sectPr() + `</w:body></w:document>`},
		{"word/styles.xml", stylesXML()},
		{"word/settings.xml", xmlHead + `<w:settings ` + nsW + `><w:zoom w:percent="100"/><w:evenAndOddHeaders/>` +
			`<w:defaultTabStop w:val="` + itoa(2*bodyPt*20) + `"/><w:characterSpacingControl w:val="compressPunctuation"/>` +
			`<w:compat><w:spaceForUL/><w:balanceSingleByteDoubleByteWidth/><w:doNotLeaveBackslashAlone/><w:ulTrailSpace/><w:doNotExpandShiftReturn/><w:adjustLineHeightInTable/><w:useFELayout/>` +
			`<w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>` +
			`<w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/></w:settings>`},
		{"word/fontTable.xml", fontTableXML()},
		// GB/T 9704 7.5: odd pages' numbers at the right and even pages' at the left,
		// each one character in from the edge of the text.
		{"word/footer1.xml", footerXML("right")},
		{"word/footer2.xml", footerXML("left")},
	}
}

// sectPr is the page of GB/T 9704: A4 portrait, its margins, the footers with the page
// numbers, and the grid of 22 lines (28 characters a line come from condense).
func sectPr() string {
	return fmt.Sprintf(`<w:sectPr><w:footerReference w:type="default" r:id="rId4"/><w:footerReference w:type="even" r:id="rId5"/>`+
		`<w:pgSz w:w="%d" w:h="%d"/><w:pgMar w:top="%d" w:right="%d" w:bottom="%d" w:left="%d" w:header="851" w:footer="%d" w:gutter="0"/>`+
		`<w:pgNumType w:fmt="decimal" w:start="1"/><w:cols w:space="425"/>`+
		`<w:docGrid w:type="lines" w:linePitch="%d"/></w:sectPr>`,
		twips(pageWidthMM), twips(pageHeightMM), twips(marginTopMM), twips(marginRightMM), twips(marginBottomMM), twips(marginLeftMM),
		footerDistance(), linePitch())
}

// footerDistance puts the page number's line 7 mm below the text area (GB/T 9704 7.5):
// the footer's bottom sits that far above the page's bottom, less the line's height.
func footerDistance() int {
	return twips(marginBottomMM-7) - int(1.3*pageNumberPt*20)
}

func footerXML(side string) string {
	ind := `w:right="` + itoa(pageNumberPt*20) + `"`
	if side == "left" {
		ind = `w:left="` + itoa(pageNumberPt*20) + `"`
	}
	run := func(inner string) string {
		return `<w:r><w:rPr><w:rFonts w:ascii="` + fontPageNo + `" w:eastAsia="` + fontPageNo + `" w:hAnsi="` + fontPageNo + `"/><w:sz w:val="` + itoa(pageNumberPt*2) + `"/><w:szCs w:val="` + itoa(pageNumberPt*2) + `"/></w:rPr>` + inner + `</w:r>`
	}
	return xmlHead + `<w:ftr ` + nsW + `><w:p><w:pPr><w:pStyle w:val="Footer"/><w:jc w:val="` + side + `"/><w:ind ` + ind + `/></w:pPr>` +
		run(`<w:t xml:space="preserve">— </w:t>`) +
		run(`<w:fldChar w:fldCharType="begin"/>`) + run(`<w:instrText xml:space="preserve"> PAGE </w:instrText>`) +
		run(`<w:fldChar w:fldCharType="separate"/>`) + run(`<w:t>1</w:t>`) + run(`<w:fldChar w:fldCharType="end"/>`) +
		run(`<w:t xml:space="preserve"> —</w:t>`) + `</w:p></w:ftr>`
}

func fontTableXML() string {
	var b strings.Builder
	b.WriteString(xmlHead + `<w:fonts ` + nsW + `>`)
	for _, f := range docFonts {
		// charset 86 is GB2312.
		fmt.Fprintf(&b, `<w:font w:name="%s"><w:altName w:val="%s"/><w:charset w:val="86"/><w:family w:val="%s"/><w:pitch w:val="variable"/></w:font>`,
			f.name, f.alt, f.family)
	}
	b.WriteString(`</w:fonts>`)
	return b.String()
}

// rFonts sets every script of a run to one face.
func rFonts(name string) string {
	return `<w:rFonts w:ascii="` + name + `" w:eastAsia="` + name + `" w:hAnsi="` + name + `" w:cs="` + name + `" w:hint="eastAsia"/>`
}

func sz(pt float64) string {
	v := itoa(int(math.Round(pt * 2)))
	return `<w:sz w:val="` + v + `"/><w:szCs w:val="` + v + `"/>`
}

// stylesXML holds the paragraph styles: the body in 3号 仿宋_GB2312 with a first line
// indented two characters, on the page's 22 lines (exact spacing of one line pitch);
// the title in 2号 小标宋; first-level headings in 黑体 and second-level in 楷体_GB2312,
// both 3号; the 附表 tables in 五号.
func stylesXML() string {
	tight := `<w:spacing w:val="-` + itoa(condense()) + `"/>`
	exact := `<w:spacing w:line="` + itoa(linePitch()) + `" w:lineRule="exact"/>`
	indent := `<w:ind w:firstLineChars="200" w:firstLine="` + itoa(2*bodyPt*20) + `"/>`
	style := func(id, name, ppr, rpr string) string {
		return `<w:style w:type="paragraph" w:customStyle="1" w:styleId="` + id + `"><w:name w:val="` + name + `"/><w:basedOn w:val="Normal"/><w:qFormat/>` +
			`<w:pPr>` + ppr + `</w:pPr><w:rPr>` + rpr + `</w:rPr></w:style>`
	}
	var b strings.Builder
	b.WriteString(xmlHead + `<w:styles ` + nsW + `>`)
	b.WriteString(`<w:docDefaults><w:rPrDefault><w:rPr>` + rFonts(fontBody) + sz(bodyPt) +
		`<w:kern w:val="2"/><w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>` +
		`<w:pPrDefault><w:pPr><w:jc w:val="both"/>` + exact + `</w:pPr></w:pPrDefault></w:docDefaults>`)
	b.WriteString(`<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/><w:pPr><w:widowControl w:val="0"/></w:pPr></w:style>`)
	b.WriteString(style(stTitle, "Title", `<w:jc w:val="center"/><w:spacing w:line="`+itoa(linePitch())+`" w:lineRule="exact" w:after="0"/><w:outlineLvl w:val="0"/>`, rFonts(fontTitle)+sz(titlePt)))
	b.WriteString(style(stSubtitle, "Subtitle", `<w:jc w:val="center"/><w:spacing w:before="`+itoa(linePitch())+`" w:after="`+itoa(linePitch())+`" w:line="`+itoa(linePitch())+`" w:lineRule="exact"/>`, rFonts(fontHeading2)+sz(bodyPt)+tight))
	b.WriteString(style(stH1, "heading 1", indent+`<w:outlineLvl w:val="0"/>`+`<w:keepNext/>`, rFonts(fontHeading1)+sz(bodyPt)+tight))
	b.WriteString(style(stH2, "heading 2", indent+`<w:outlineLvl w:val="1"/>`+`<w:keepNext/>`, rFonts(fontHeading2)+sz(bodyPt)+tight))
	b.WriteString(style(stBody, "Body Text", indent, rFonts(fontBody)+sz(bodyPt)+tight))
	b.WriteString(style(stAttachIndent, "Attachment List", `<w:ind w:leftChars="500" w:left="`+itoa(5*bodyPt*20)+`"/>`, rFonts(fontBody)+sz(bodyPt)+tight))
	b.WriteString(style(stAttach, "Attachment Label", `<w:jc w:val="left"/>`, rFonts(fontHeading1)+sz(bodyPt)+tight))
	b.WriteString(style(stTabTitle, "Table Title", `<w:jc w:val="center"/><w:spacing w:before="0" w:after="`+itoa(linePitch()/2)+`" w:line="`+itoa(linePitch())+`" w:lineRule="exact"/><w:keepNext/>`, rFonts(fontTitle)+sz(18)))
	b.WriteString(style(stTabText, "Table Text", `<w:snapToGrid w:val="0"/><w:spacing w:before="40" w:after="40" w:line="240" w:lineRule="auto"/>`, rFonts(fontBody)+sz(tablePt)))
	b.WriteString(style(stTabNote, "Table Note", `<w:snapToGrid w:val="0"/><w:spacing w:before="120" w:line="240" w:lineRule="auto"/>`, rFonts(fontBody)+sz(tablePt)))
	b.WriteString(style("Footer", "footer", `<w:snapToGrid w:val="0"/><w:spacing w:line="240" w:lineRule="auto"/>`, rFonts(fontPageNo)+sz(pageNumberPt)))
	b.WriteString(`</w:styles>`)
	return b.String()
}
