//! Wiki markup → markdown cases, grouped by SPEC §5.6 item.

use super::super::wiki_to_markdown;
use super::{check, ctx};

fn check_wiki(cases: &[(&str, &str)]) {
    check(cases, |input| wiki_to_markdown(input, &ctx()));
}

#[test]
fn plugin_compatible_cases_give_the_plugin_output() {
    check_wiki(&[
        ("# one\n# two\n# three", "1. one\n2. two\n3. three"),
        ("See [the docs|https://example.com/docs] now", "See [the docs](https://example.com/docs) now"),
        ("a *bold* word", "a **bold** word"),
        ("a -gone- word", "a ~~gone~~ word"),
        ("h1. Title", "# Title"),
        ("h2. Title", "## Title"),
        ("h3. Title", "### Title"),
        ("h4. Title", "#### Title"),
        ("h5. Title", "##### Title"),
        ("h6. Title", "###### Title"),
        ("run {{make test}} first", "run `make test` first"),
        ("{color:red}warning{color}", "warning"),
        ("{quote}quoted{quote}", "> quoted"),
        ("{code:java}\nint x = 1;\n{code}", "```java\nint x = 1;\n```"),
        ("{noformat}\nplain *text*\n{noformat}", "```\nplain *text*\n```"),
    ]);
}

#[test]
fn lists_are_numbered_and_nested() {
    let ten = "# x\n".repeat(10) + "## y";
    check_wiki(&[
        ("* a\n* b", "- a\n- b"),
        ("- a\n- b", "- a\n- b"),
        ("* a\n** b\n*** c\n* d", "- a\n  - b\n    - c\n- d"),
        ("# a\n## b\n## c\n# d", "1. a\n   1. b\n   2. c\n2. d"),
        ("# a\n#* b\n# c", "1. a\n   - b\n2. c"),
        ("# a\n\n# b", "1. a\n\n1. b"),
        ("* a\ntext after", "- a\n\ntext after"),
        ("intro\n* a", "intro\n- a"),
        ("* *bold* item", "- **bold** item"),
        ("  * indented", "- indented"),
        (&ten, "1. x\n2. x\n3. x\n4. x\n5. x\n6. x\n7. x\n8. x\n9. x\n10. x\n    1. y"),
    ]);
}

#[test]
fn links_mentions_and_attachments() {
    let issue = super::ISSUE;
    check_wiki(&[
        ("[https://example.com]", "<https://example.com>"),
        ("[text|https://example.com/a-b_c]", "[text](https://example.com/a-b_c)"),
        ("[*bold* text|https://x.io]", "[**bold** text](https://x.io)"),
        ("[text|https://x.io|tooltip]", "[text](https://x.io)"),
        ("[mail|mailto:a@b.com]", "[mail](mailto:a@b.com)"),
        ("[|https://x.io]", "<https://x.io>"),
        ("[not a link]", "[not a link]"),
        ("[~jsmith] please look", "@john please look"),
        ("cc [~accountid:5b10a2844c20165700ede21g]", "cc Jane Doe"),
        ("[~accountid:abc123]", "abc123"),
        ("[~unknown]", "unknown"),
        ("[^file.txt]", &format!("[file.txt]({issue})")),
        ("[the spec|^spec.pdf]", &format!("[the spec]({issue})")),
    ]);
}

#[test]
fn links_only_to_http_https_and_mailto() {
    check_wiki(&[
        ("[x|javascript:alert(1)]", "x (javascript:alert(1))"),
        ("[x|JavaScript:alert(1)]", "x (JavaScript:alert(1))"),
        ("[*x*|vbscript:msgbox]", "**x** (vbscript:msgbox)"),
        ("[x|data:text/html,hi]", "x (data:text/html,hi)"),
        ("[share|file://server/builds]", "share (file://server/builds)"),
        ("[x|ftp://files.example.com/a.zip]", "x (ftp://files.example.com/a.zip)"),
        ("[x|/relative/path]", "x (/relative/path)"),
        ("[file:///etc/passwd]", "file:///etc/passwd"),
        ("[ftp://files.example.com]", "ftp://files.example.com"),
        ("[javascript:alert(1)]", "[javascript:alert(1)]"),
        ("[x|HTTPS://x.io]", "[x](HTTPS://x.io)"),
    ]);
}

#[test]
fn raw_markdown_makes_no_image_and_no_refused_link() {
    let issue = super::ISSUE;
    check_wiki(&[
        ("![x](http://internal/pixel.png)", "\\![x](http://internal/pixel.png)"),
        ("Wow![x|https://a.io]", "Wow\\![x](https://a.io)"),
        ("!{color:red}[x|https://a.io]{color}", "\\![x](https://a.io)"),
        ("see \\![x](y)", "see \\![x]\\(y)"),
        ("[x](javascript:alert(1))", "[x]\\(javascript:alert(1))"),
        ("[x]( <data:text/html,hi>)", "[x]\\( \\<data:text/html,hi>)"),
        ("[x](https://ok.example) and [y](mailto:a@b.example)", "[x](https://ok.example) and [y](mailto:a@b.example)"),
        ("list[0](arg)", "list[0]\\(arg)"),
        ("[a]: javascript:alert(1)", "[a]\\: javascript:alert(1)"),
        ("* [a]: data:x", "- [a]\\: data:x"),
        ("[a]: https://ok.example", "[a]: https://ok.example"),
        ("Note [a]: fine", "Note [a]: fine"),
        (
            "<javascript:alert(1)> <https://ok.example> <a@b.example> <b>",
            "\\<javascript:alert(1)> <https://ok.example> <a@b.example> <b>",
        ),
        ("[^x.png](javascript:y)", &format!("[x.png]({issue})(javascript:y)")),
        // Inline code is defused too: Mattermost's web app reads `[a` + `](http://ok)` as a
        // link before it sees the code span, and the image after it would be live.
        ("{{![x](y)}} and {{[a](javascript:b)}}", "`\\![x]\\(y)` and `[a]\\(javascript:b)`"),
        ("[a{{](http://ok) ![x](http://p)}}", "[a`](http://ok) \\![x](http://p)`"),
        ("{code:java`x}\n![x](y)\n{code}", "```java\n![x](y)\n```"),
        ("{code}\n![x](y)\n<javascript:z>\n{code}", "```\n![x](y)\n<javascript:z>\n```"),
        ("{quote}\n[a]: javascript:x\n{quote}", "> [a]\\: javascript:x"),
        ("\u{FDD0}![x](y)\u{FDD1} {{z}}", "\\![x]\\(y) `z`"),
        ("\u{FDD0}x\u{FDD1}\n{code}\n![a](b)\n{code}", "x\n```\n\\![a]\\(b)\n```"),
    ]);
}

#[test]
fn emphasis_at_word_boundaries() {
    check_wiki(&[
        ("*bold text here*", "**bold text here**"),
        ("_italic_", "*italic*"),
        ("some _italic words_ here", "some *italic words* here"),
        ("-struck words-", "~~struck words~~"),
        ("+under+", "under"),
        ("??Someone famous??", "*— Someone famous*"),
        ("a ^sup^ b ~sub~ c", "a sup b sub c"),
        ("*bold _and italic_*", "**bold *and italic***"),
        ("(*bold*)", "(**bold**)"),
        ("*bold*, then", "**bold**, then"),
        ("*a* and *b*", "**a** and **b**"),
        ("é *ü* ß", "é **ü** ß"),
    ]);
}

#[test]
fn headings_rules_breaks_and_escapes() {
    check_wiki(&[
        ("h3. *Bold* heading", "### **Bold** heading"),
        ("h7. no", "h7. no"),
        ("h1.nospace", "h1.nospace"),
        ("a\n----\nb", "a\n\n---\nb"),
        (r"line one\\line two", "line one  \nline two"),
        (r"\*not bold\*", r"\*not bold\*"),
        (r"\{x\}", "{x}"),
        (r"C:\Users\me", r"C:\Users\me"),
        ("{color:#ff0000}red text{color} and more", "red text and more"),
        ("{color:red}\nline1\nline2\n{color}", "line1\nline2"),
    ]);
}

#[test]
fn code_blocks_become_fences_and_protect_their_content() {
    check_wiki(&[
        ("{code}\nlet x = *y*;\n{code}", "```\nlet x = *y*;\n```"),
        ("{code:title=Foo.java|borderStyle=solid}\nclass Foo {}\n{code}", "```\nclass Foo {}\n```"),
        ("{code:title=x|java}\nx\n{code}", "```java\nx\n```"),
        ("{code:xml}<a>-b-</a>{code}", "```xml\n<a>-b-</a>\n```"),
        ("before {code}x{code} after", "before\n```\nx\n```\nafter"),
        (
            "{code}\n# not a list\nh1. not a heading\n[a|b] {{x}} *b* _i_ {quote} !x.png!\n||t||\n{code}",
            "```\n# not a list\nh1. not a heading\n[a|b] {{x}} *b* _i_ {quote} !x.png!\n||t||\n```",
        ),
        ("{noformat}\n{code}\ninside\n{noformat}", "```\n{code}\ninside\n```"),
        ("{code}\n```\n{code}", "````\n```\n````"),
        ("text\n{code}\na\n\nb\n{code}\nmore", "text\n```\na\n\nb\n```\nmore"),
        ("{code}{code}", "```\n```"),
        ("{code}x", "{code}x"),
    ]);
}

#[test]
fn inline_monospace_never_opens_a_block() {
    check_wiki(&[
        ("Use {{code}} inline, then {code:java}x{code}", "Use `code` inline, then\n```java\nx\n```"),
        ("Use {{code}} inline, then\n{code:java}\nint x;\n{code}", "Use `code` inline, then\n```java\nint x;\n```"),
        ("{{{code}}} and {{noformat}}", "`{code`} and `noformat`"),
        ("{{code}} alone", "`code` alone"),
        ("{{quote}} then {quote}q{quote}", "`quote` then\n> q"),
        ("{{panel}} {{quote}}", "`panel` `quote`"),
        ("{{code}x{code}", "{\n```\nx\n```"),
        ("{code}\n{{x}}\n{code}", "```\n{{x}}\n```"),
    ]);
}

#[test]
fn quotes_and_panels() {
    check_wiki(&[
        ("{quote}\nline one\nline two\n{quote}", "> line one\n> line two"),
        ("{quote}\nfirst\n\nsecond\n{quote}\nafter", "> first\n>\n> second\n\nafter"),
        ("He said {quote}hi{quote} and left", "He said\n> hi\n\nand left"),
        ("bq. quoted text", "> quoted text"),
        ("bq. quoted\nafter", "> quoted\n\nafter"),
        ("{panel}\nin panel\n{panel}", "> in panel"),
        ("{panel:title=Note|borderStyle=dashed}\nBe *careful*\n{panel}", "> **Note**\n> Be **careful**"),
        ("{quote}\n{code}\nx\n{code}\n{quote}", "> ```\n> x\n> ```"),
        ("{quote}\n* a\n* b\n{quote}", "> - a\n> - b"),
        ("{quote}unclosed", "{quote}unclosed"),
    ]);
}

#[test]
fn tables() {
    check_wiki(&[
        ("||h1||h2||\n|c1|c2|", "| h1 | h2 |\n| --- | --- |\n| c1 | c2 |"),
        ("|a|b|\n|c|d|", "| | |\n| --- | --- |\n| a | b |\n| c | d |"),
        ("||h||\n|[x|https://x.io]|", "| h |\n| --- |\n| [x](https://x.io) |"),
        ("text\n||h||\n|c|\nafter", "text\n\n| h |\n| --- |\n| c |\n\nafter"),
        ("||a||b||\n|1|", "| a | b |\n| --- | --- |\n| 1 | |"),
        ("||Key|v|", "| | |\n| --- | --- |\n| **Key** | v |"),
        (r"|a\|b|c|", "| | |\n| --- | --- |\n| a\\|b | c |"),
        (
            "| *bold* | !x.png|thumbnail! |",
            "| | |\n| --- | --- |\n| **bold** | [x.png](https://jira.example.com/browse/KT-7) |",
        ),
        ("||", "||"),
    ]);
}

#[test]
fn images() {
    let issue = super::ISSUE;
    check_wiki(&[
        ("!image.png!", &format!("[image.png]({issue})")),
        ("see !screen shot.png|thumbnail! here", &format!("see [screen shot.png]({issue}) here")),
        ("!https://example.com/img/x.png!", "[x.png](https://example.com/img/x.png)"),
        ("!http://internal/pixel.png|width=1!", "[pixel.png](http://internal/pixel.png)"),
        ("!file:///srv/x.png!", "x.png (file:///srv/x.png)"),
        ("!!x.png!", &format!("\\![x.png]({issue})")),
        ("Wow! Great!", "Wow! Great!"),
        ("Hello!world.png!", "Hello!world.png!"),
    ]);
}

#[test]
fn text_that_is_not_markup_survives_unchanged() {
    let cases = [
        "https://example.com/a-b-c_d",
        "see https://example.com/a-b-c_d?x=*y*+z now",
        "/usr/local-bin/x_y",
        "well-known",
        "x - y",
        "2*3*4",
        "2 * 3 * 4",
        "snake_case_identifier",
        "__init__",
        "first_last@example.com",
        "john-doe+tag@example.com",
        "a -- b -- c",
        "C++ and C#",
        "100% sure - maybe",
        "1-2-3 and 2020-01-01",
        "file_v1_final.txt",
        "**already markdown**",
        "What?? Really??",
        "e.g. the -v flag",
        "#hashtag and #1 priority",
        "*",
        "multi\nline\ntext",
        "plain: {not a macro}",
    ];
    let pairs: Vec<(&str, &str)> = cases.iter().map(|c| (*c, *c)).collect();
    check_wiki(&pairs);
}

#[test]
fn no_input_makes_it_panic() {
    let mut inputs: Vec<String> = [
        "",
        "é*ü*",
        "{code",
        "{code:",
        "{code:java",
        "[|]",
        "!",
        "||",
        "|",
        "[~]",
        "[^]",
        "{{",
        "}}",
        "{{}}",
        "\\",
        "*",
        "**",
        "??",
        "{quote}",
        "{panel:title=}",
        "{panel}{panel:title=a}",
        "{color:",
        "h1.",
        "bq.",
        "#",
        "# ",
        "* ",
        "[",
        "]",
        "[a|",
        "!a.png",
        "!|!",
        "\u{1F600}*\u{1F600}*",
        "*\u{301}a*",
        "_\n_",
        "\r\n",
        "é\\",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    inputs.push("{{".repeat(50_000) + "\n}}");
    for unit in ["*a ", "[", "{{", "!a.b ", "|", "{code:", "{quote}", "*_-+", "é*ü*ß_ñ_", "[~", "??x "] {
        inputs.push(unit.repeat(5000));
    }
    inputs.push("#".repeat(3000) + " deep");
    inputs.push(random_markup(2000));
    let ctx = ctx();
    for input in &inputs {
        let markdown = wiki_to_markdown(input, &ctx);
        if let Err(line) = super::fences::check(&markdown) {
            panic!("fence at line {line} is not closed:\n{markdown}\n\nfrom:\n{input}");
        }
        let cuts = if input.len() < 2000 { input.len() } else { 0 };
        for (cut, _) in input.char_indices().take(cuts) {
            let _ = wiki_to_markdown(&input[cut..], &ctx);
        }
    }
}

/// Deterministic soup of markup fragments, many short lines.
fn random_markup(pieces: usize) -> String {
    const ALPHABET: [&str; 35] = [
        "*",
        "_",
        "-",
        "+",
        "??",
        "^",
        "~",
        "{",
        "}",
        "[",
        "]",
        "|",
        "||",
        "!",
        "#",
        "\\",
        "\n",
        " ",
        "a",
        "é",
        "{code}",
        "{code:java}",
        "{noformat}",
        "{{code}}",
        "{quote}",
        "{panel:title=x}",
        "h1. ",
        "bq. ",
        "http://x.y/",
        "{{",
        "}}",
        "{color:red}",
        "ü",
        "x.png",
        "[~",
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    (0..pieces)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ALPHABET[(state >> 33) as usize % ALPHABET.len()]
        })
        .collect()
}

#[test]
fn the_fence_check_finds_fences_left_open() {
    use super::fences::check;
    assert_eq!(check("a\n```java\nx"), Err(2));
    assert_eq!(check("```\nx\n````"), Err(3));
    assert_eq!(check("> ```\n> x\n> ```\n- ```sh\n  y\n  ```\n`a`"), Ok(()));
}
