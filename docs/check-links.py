#!/usr/bin/env python3
"""Checks every link of a built mdBook (its HTML): every relative href or src names a file inside
the book, and every #fragment an id (or <a name>) in the page it points to. Web links
(http:, https:, mailto:, ...) are not followed: the check works offline.

mdBook itself warns about none of this, so a link to a renamed chapter or a heading whose words
changed would otherwise reach readers broken. Usage: check-links.py BOOK_DIR; exit 1 when a link
is broken, each one printed as "page: link: what is wrong".

With `--markdown FILE...` after BOOK_DIR it also checks that every relative link of those
Markdown files (the README's links into docs/src) names an existing file or folder.
"""
import os
import re
import sys
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

LINK_ATTRIBUTES = {"href", "src"}


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = set()
        self.links = []  # (line, url)
        self.base = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (tag == "a" and name == "name"):
                self.ids.add(value)
            elif tag == "base" and name == "href":
                self.base = value
            elif name in LINK_ATTRIBUTES:
                self.links.append((self.getpos()[0], value))

    handle_startendtag = handle_starttag


def parse(path):
    page = Page()
    with open(path, encoding="utf-8") as f:
        page.feed(f.read())
    page.close()
    return page


# [text](target) and [text](target "title"), outside code spans and fenced blocks.
MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def markdown_links(path):
    """How many relative links a Markdown file has, and the broken ones ("file:line: link: why")."""
    checked, broken = 0, []
    fenced = False
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if line.lstrip().startswith("```"):
                fenced = not fenced
                continue
            if fenced:
                continue
            for url in MARKDOWN_LINK.findall(re.sub(r"`[^`]*`", "", line)):
                parts = urlsplit(url)
                if parts.scheme or parts.netloc or not parts.path:
                    continue
                checked += 1
                target = os.path.join(os.path.dirname(path), unquote(parts.path))
                if not os.path.exists(target):
                    broken.append(f"{path}:{number}: {url}: no such file")
    return checked, broken


def main():
    args = sys.argv[1:]
    markdown = []
    if "--markdown" in args:
        i = args.index("--markdown")
        args, markdown = args[:i], args[i + 1 :]
    if len(args) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    root = os.path.realpath(args[0])
    if not os.path.isfile(os.path.join(root, "index.html")):
        print(f"check-links: {root} holds no built book (no index.html)", file=sys.stderr)
        return 2
    pages = {}
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(".html"):
                path = os.path.join(folder, name)
                pages[path] = parse(path)

    broken = []
    checked = 0
    for path, page in sorted(pages.items()):
        where = os.path.relpath(path, root)
        # A <base href="/"> (mdBook's 404 page, served from the site's root) means the book's root.
        if page.base is None:
            base_dir = os.path.dirname(path)
        elif page.base.startswith("/"):
            base_dir = os.path.join(root, page.base.lstrip("/"))
        else:
            base_dir = os.path.join(os.path.dirname(path), page.base)
        for line, url in page.links:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc:
                continue  # a web link, mailto:, data:, javascript:: not followed
            checked += 1
            if parts.path.startswith("/") and page.base is None:
                broken.append(f"{where}:{line}: {url}: an absolute path (the book must work from any folder)")
                continue
            if parts.path:
                target = os.path.realpath(os.path.join(base_dir, unquote(parts.path)))
            else:
                target = path
            if target != root and not target.startswith(root + os.sep):
                broken.append(f"{where}:{line}: {url}: points outside the book")
                continue
            if os.path.isdir(target):
                target = os.path.join(target, "index.html")
            if not os.path.isfile(target):
                broken.append(f"{where}:{line}: {url}: no such file {os.path.relpath(target, root)}")
                continue
            if parts.fragment:
                if target not in pages:
                    broken.append(f"{where}:{line}: {url}: a #fragment into a file that is not a page")
                elif unquote(parts.fragment) not in pages[target].ids:
                    broken.append(
                        f"{where}:{line}: {url}: no id \"{unquote(parts.fragment)}\" in {os.path.relpath(target, root)}"
                    )

    for path in markdown:
        count, found = markdown_links(os.path.relpath(os.path.normpath(path)))
        checked += count
        broken.extend(found)

    for b in dict.fromkeys(broken):  # once each, in order (an image can be named twice on a line)
        print(b)
    print(
        f"check-links: {len(pages)} pages, {checked} relative links checked, {len(set(broken))} broken",
        file=sys.stderr,
    )
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
