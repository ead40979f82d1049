from codecapsule.markdown import render_markdown


def test_it_renders_commonmark_with_code_and_tables():
    html = render_markdown("# Title\n\nUse `max()`.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert "<h1>Title</h1>" in html
    assert "<code>max()</code>" in html
    assert "<table>" in html


def test_it_never_lets_script_through():
    html = render_markdown('<script>alert(1)</script>\n\n[x](javascript:alert(1))\n\n<img src=x onerror=alert(1)>')
    assert "<script" not in html
    assert 'href="javascript' not in html
    assert "<img" not in html  # raw HTML is escaped to text, never passed through


def test_links_get_safe_rel():
    assert 'rel="noopener noreferrer nofollow"' in render_markdown("[docs](https://example.com)")


def test_a_markdown_image_keeps_only_safe_attributes():
    html = render_markdown('![chart](https://example.com/c.png "Chart")')
    assert '<img src="https://example.com/c.png" alt="chart" title="Chart">' in html
