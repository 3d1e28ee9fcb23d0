"""Export files as Disqus, WordPress and Isso write them, built for tests.

Each builder writes the structure those systems publish (Disqus's
"Comments Export", WordPress's WXR 1.2, Isso's SQLite schema), with only
the fields a test cares about given and the rest filled in as the real
exports fill them.
"""

import random
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


@dataclass
class DisqusPost:
    id: str
    thread: str
    message: str = "<p>Hello</p>"
    created_at: str = "2013-01-02T03:04:05Z"
    parent: str | None = None
    name: str = "Ann"
    email: str = "ann@example.com"
    username: str = "ann_d"
    deleted: bool = False
    spam: bool = False
    # A message written as escaped text instead of CDATA (both occur).
    escaped: bool = False
    author: bool = True


def disqus_xml(
    threads: list[tuple[str, str, str]], posts: list[DisqusPost], *, head: str = ""
) -> str:
    """A Disqus export: ``threads`` are (dsq:id, link, title)."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        head,
        '<disqus xmlns="http://disqus.com" '
        'xmlns:dsq="http://disqus.com/disqus-internals" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://disqus.com/api/schemas/1.0/disqus.xsd '
        'http://disqus.com/api/schemas/1.0/disqus-internals.xsd">\n',
        '<category dsq:id="1"><forum>blog</forum><title>General</title>'
        "<isDefault>true</isDefault></category>\n",
    ]
    parts.extend(disqus_thread(*thread) for thread in threads)
    parts.extend(disqus_post(post) for post in posts)
    parts.append("</disqus>\n")
    return "".join(parts)


def disqus_thread(dsq_id: str, link: str, title: str) -> str:
    return (
        f"<thread dsq:id={quoteattr(dsq_id)}><id/><forum>blog</forum>"
        '<category dsq:id="1"/>'
        f"<link>{escape(link)}</link><title>{cdata(title)}</title>"
        "<message/><createdAt>2013-01-01T00:00:00Z</createdAt>"
        "<author><name>Editor</name><isAnonymous>false</isAnonymous>"
        "<username>editor</username></author>"
        "<ipAddress>192.0.2.1</ipAddress><isClosed>false</isClosed>"
        "<isDeleted>false</isDeleted></thread>\n"
    )


def disqus_post(post: DisqusPost) -> str:
    message = escape(post.message) if post.escaped else cdata(post.message)
    author = (
        f"<author><email>{escape(post.email)}</email>"
        f"<name>{escape(post.name)}</name><isAnonymous>false</isAnonymous>"
        f"<username>{escape(post.username)}</username></author>"
        if post.author
        else ""
    )
    parent = f"<parent dsq:id={quoteattr(post.parent)}/>" if post.parent else ""
    return (
        f"<post dsq:id={quoteattr(post.id)}><id/>"
        f"<message>{message}</message>"
        f"<createdAt>{escape(post.created_at)}</createdAt>"
        f"<isDeleted>{str(post.deleted).lower()}</isDeleted>"
        f"<isSpam>{str(post.spam).lower()}</isSpam>"
        f"{author}<ipAddress>198.51.100.7</ipAddress>"
        f"<thread dsq:id={quoteattr(post.thread)}/>{parent}</post>\n"
    )


@dataclass
class WordPressComment:
    id: str
    content: str = "Hello"
    date_gmt: str = "2019-03-04 12:34:56"
    parent: str = "0"
    author: str = "Ann"
    email: str = "ann@example.com"
    url: str = "https://ann.example"
    approved: str = "1"
    type: str = "comment"


@dataclass
class WordPressItem:
    post_id: str
    link: str
    title: str = "Hello world"
    post_name: str = "hello-world"
    post_type: str = "post"
    status: str = "publish"
    comments: list[WordPressComment] = field(default_factory=list)


def wordpress_xml(items: list[WordPressItem], *, base: str = "https://blog.example"):
    parts = [
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        '<rss version="2.0" '
        'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
        f"<title>A blog</title><link>{escape(base)}</link>"
        "<description>Just another blog</description>"
        "<language>en-GB</language><wp:wxr_version>1.2</wp:wxr_version>"
        f"<wp:base_site_url>{escape(base)}</wp:base_site_url>"
        f"<wp:base_blog_url>{escape(base)}</wp:base_blog_url>\n"
        "<wp:author><wp:author_id>1</wp:author_id>"
        "<wp:author_login><![CDATA[admin]]></wp:author_login>"
        "<wp:author_email><![CDATA[admin@blog.example]]></wp:author_email>"
        "</wp:author>\n"
    ]
    for item in items:
        parts.append(
            f"<item><title>{escape(item.title)}</title>"
            f"<link>{escape(item.link)}</link>"
            "<pubDate>Mon, 04 Mar 2019 12:00:00 +0000</pubDate>"
            "<dc:creator><![CDATA[admin]]></dc:creator>"
            f'<guid isPermaLink="false">{escape(base)}/?p={item.post_id}</guid>'
            "<description></description>"
            "<content:encoded>" + cdata("<p>The post.</p>") + "</content:encoded>"
            "<excerpt:encoded><![CDATA[]]></excerpt:encoded>"
            f"<wp:post_id>{item.post_id}</wp:post_id>"
            "<wp:post_date_gmt>2019-03-04 12:00:00</wp:post_date_gmt>"
            "<wp:comment_status>open</wp:comment_status>"
            f"<wp:post_name>{cdata(item.post_name)}</wp:post_name>"
            f"<wp:status>{cdata(item.status)}</wp:status>"
            f"<wp:post_type>{cdata(item.post_type)}</wp:post_type>"
            "<wp:postmeta><wp:meta_key>_edit_last</wp:meta_key>"
            "<wp:meta_value><![CDATA[1]]></wp:meta_value></wp:postmeta>\n"
        )
        for comment in item.comments:
            parts.append(
                "<wp:comment>"
                f"<wp:comment_id>{comment.id}</wp:comment_id>"
                f"<wp:comment_author>{cdata(comment.author)}</wp:comment_author>"
                f"<wp:comment_author_email>{cdata(comment.email)}"
                "</wp:comment_author_email>"
                f"<wp:comment_author_url>{escape(comment.url)}</wp:comment_author_url>"
                "<wp:comment_author_IP>203.0.113.9</wp:comment_author_IP>"
                "<wp:comment_date>2019-03-04 13:34:56</wp:comment_date>"
                f"<wp:comment_date_gmt>{comment.date_gmt}</wp:comment_date_gmt>"
                f"<wp:comment_content>{cdata(comment.content)}</wp:comment_content>"
                f"<wp:comment_approved>{cdata(comment.approved)}</wp:comment_approved>"
                f"<wp:comment_type>{cdata(comment.type)}</wp:comment_type>"
                f"<wp:comment_parent>{comment.parent}</wp:comment_parent>"
                "<wp:comment_user_id>0</wp:comment_user_id>"
                "<wp:commentmeta><wp:meta_key>akismet_result</wp:meta_key>"
                "<wp:meta_value><![CDATA[false]]></wp:meta_value></wp:commentmeta>"
                "</wp:comment>\n"
            )
        parts.append("</item>\n")
    parts.append("</channel>\n</rss>\n")
    return "".join(parts)


@dataclass
class IssoComment:
    id: int
    thread: int
    text: str = "Hello"
    created: float = 1_550_000_000.0
    parent: int | None = None
    mode: int = 1
    author: str | None = "Ann"
    email: str | None = "ann@example.com"
    website: str | None = "https://ann.example"
    likes: int = 0
    dislikes: int = 0
    modified: float | None = None


def isso_db(path: Path, threads: list[tuple[int, str, str]], comments: list) -> Path:
    """An Isso database with the tables Isso itself creates (isso/db/)."""
    connection = sqlite3.connect(path)
    connection.executescript(
        """
        CREATE TABLE IF NOT EXISTS preferences (key VARCHAR PRIMARY KEY, value VARCHAR);
        CREATE TABLE IF NOT EXISTS threads (
            id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256));
        CREATE TABLE IF NOT EXISTS comments (
            tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER,
            created FLOAT NOT NULL, modified FLOAT, mode INTEGER, remote_addr VARCHAR,
            text VARCHAR, author VARCHAR, email VARCHAR, website VARCHAR,
            likes INTEGER DEFAULT 0, dislikes INTEGER DEFAULT 0, voters BLOB NOT NULL,
            notification INTEGER NOT NULL DEFAULT 0);
        """
    )
    connection.executemany("INSERT INTO threads VALUES (?, ?, ?)", threads)
    connection.executemany(
        "INSERT INTO comments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                c.thread,
                c.id,
                c.parent,
                c.created,
                c.modified,
                c.mode,
                "192.168.0.0",
                c.text,
                c.author,
                c.email,
                c.website,
                c.likes,
                c.dislikes,
                b"\x00" * 256,
                0,
            )  # fmt: skip
            for c in comments
        ],
    )
    connection.commit()
    connection.close()
    return path


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


SENTENCES = [
    "I tried this for a month and it made no difference at all.",
    "Thanks for writing this up &#8211; it&#8217;s the clearest explanation yet.",
    'The <a href="https://example.org/study">study you cite</a> was quite small.',
    "Does anyone know whether it interacts with <em>blood pressure</em> pills?",
    "My doctor said the same, but R&amp;D on this is still early.",
    "<strong>Careful</strong>: the dose in the second paragraph looks too high.",
]


def write_disqus_export(
    path: Path,
    *,
    comments: int,
    per_thread: int = 100,
    origin: str = "https://blog.example",
    first_id: int = 1,
    seed: int = 1,
    paragraphs: tuple[int, int] = (1, 3),
) -> Path:
    """A large Disqus export written straight to disk (never whole in
    memory): ``comments`` posts in threads of ``per_thread``, about 40% of
    them replies (one in twenty written before its parent), 1% deleted and
    1% spam."""
    rng = random.Random(seed)
    threads = max(1, -(-comments // per_thread))
    with path.open("w", encoding="utf-8") as out:
        out.write(disqus_xml([], []).removesuffix("</disqus>\n"))
        for thread in range(threads):
            out.write(
                disqus_thread(
                    f"{first_id}-t{thread}",
                    f"{origin}/posts/{thread}/",
                    f"Post {thread}",
                )
            )
        post_id = first_id
        for thread in range(threads):
            posts: list[DisqusPost] = []
            for _ in range(min(per_thread, comments - thread * per_thread)):
                parent = None
                if posts and rng.random() < 0.4:
                    parent = rng.choice(posts[-10:]).id
                message = "".join(
                    "<p>" + " ".join(rng.sample(SENTENCES, 2)) + "</p>"
                    for _ in range(rng.randint(*paragraphs))
                )
                posts.append(
                    DisqusPost(
                        str(post_id),
                        f"{first_id}-t{thread}",
                        message=message,
                        created_at=f"2015-{1 + post_id % 12:02d}-"
                        f"{1 + post_id % 28:02d}T10:{post_id % 60:02d}:00Z",
                        parent=parent,
                        name=f"Reader {rng.randint(1, 5000)}",
                        email=f"reader{rng.randint(1, 5000)}@example.net",
                        deleted=rng.random() < 0.01,
                        spam=rng.random() < 0.01,
                    )
                )
                post_id += 1
            for reply in [post for post in posts if post.parent]:
                if rng.random() < 0.05:
                    posts.remove(reply)
                    at = next(n for n, p in enumerate(posts) if p.id == reply.parent)
                    posts.insert(at, reply)
            out.writelines(disqus_post(post) for post in posts)
        out.write("</disqus>\n")
    return path
