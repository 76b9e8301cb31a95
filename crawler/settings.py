"""Scrapy settings for the MarkWatch crawler (politeness first: these are real sites)."""

BOT_NAME = "markwatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

ROBOTSTXT_OBEY = True
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
USER_AGENT = "MarkWatch/0.1 (+IP protection monitoring)"

CONCURRENT_REQUESTS = 16
# Items (and requests) of one response handled at once. Scrapy starts this many tasks for
# every response's output; our callbacks yield one item or a page of links, so 100 (the
# default) only costs the reactor ~100 tasks per page.
CONCURRENT_ITEMS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 8
# Marketplaces that ban eagerly get fewer parallel requests and a floor delay.
DOWNLOAD_SLOTS = {
    host: {"concurrency": 2, "delay": 1.0}
    for host in (
        "detail.tmall.com",
        "h5api.m.tmall.com",
        "item.taobao.com",
        "s.taobao.com",
        "s.1688.com",
        "detail.1688.com",
        "mobile.yangkeduo.com",
    )
}
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
DEPTH_LIMIT = 8
# AutoThrottle paces real sites by their latency; loopback/private hosts (the local
# testbed) are exempt (crawler.middlewares.RealSiteAutoThrottle).
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
MARKWATCH_THROTTLE_EXEMPT_LOOPBACK = True
EXTENSIONS = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.middlewares.RealSiteAutoThrottle": 0,
}
# Retries wait as long as Retry-After asks (429/503, capped), else back off exponentially.
MARKWATCH_RETRY_AFTER_MAX = 60.0
MARKWATCH_BACKOFF_BASE = 0.5
# Cookie import (MARKWATCH_COOKIES_FILE: Netscape cookies.txt or JSON), an outbound proxy
# (MARKWATCH_PROXY) and incremental crawls (MARKWATCH_INCREMENTAL, store in
# MARKWATCH_DATA_DIR): set here, with -s, or as environment variables.
MARKWATCH_COOKIES_FILE = ""
MARKWATCH_PROXY = ""
MARKWATCH_INCREMENTAL = ""

# Refuse internal addresses (SSRF) before anything else sees the request.
DOWNLOADER_MIDDLEWARES = {
    "crawler.netguard.SsrfGuardMiddleware": 50,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.CookieImportMiddleware": 650,  # before CookiesMiddleware (700)
    "crawler.middlewares.ProxyMiddleware": 740,  # before HttpProxyMiddleware (750)
    # Login walls and sliders where a session was relied on end the crawl (crawler.sessions).
    "crawler.sessions.SessionWatchMiddleware": 660,
}
# Crawler-trap guards: canonical URLs (tracking parameters dropped) feed the dupefilter;
# DEPTH_LIMIT above bounds endless link chains.
SPIDER_MIDDLEWARES = {"crawler.middlewares.CanonicalUrlMiddleware": 550}
# host:port pairs exempt from the SSRF guard; the spider's own -a base_url is added itself.
MARKWATCH_ALLOWED_HOSTS: list[str] = []
# The same guard on the address each download connects to (DNS rebinding).
TWISTED_DNS_RESOLVER = "crawler.netguard.GuardedResolver"

# Order matters: validate -> detect -> index -> alert. Each switches itself off
# (NotConfigured) when the crawl was not given the MarkWatch components.
ITEM_PIPELINES = {
    "crawler.pipelines.ListingPipeline": 100,
    "crawler.middlewares.IncrementalPipeline": 200,  # only with MARKWATCH_INCREMENTAL
    "crawler.media.ListingImagesPipeline": 250,  # only with MARKWATCH_IMAGES_STORE
    "crawler.pipelines.DetectPipeline": 300,
    "crawler.pipelines.IndexPipeline": 500,
    "crawler.evidence.pipeline.EvidencePipeline": 600,  # off unless MARKWATCH_EVIDENCE_DIR
    "crawler.pipelines.AlertPipeline": 700,
}

# Crawl health checks; off unless MARKWATCH_RUN_REPORT or MARKWATCH_HEALTH_ENABLED is set.
EXTENSIONS["crawler.health.CrawlHealthExtension"] = 500  # added to the dict above
EXTENSIONS["crawler.resources.ResourceStatsExtension"] = 510

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
