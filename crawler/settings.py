"""Scrapy settings for the MarkWatch crawler (politeness first: these are real sites)."""

BOT_NAME = "markwatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

ROBOTSTXT_OBEY = True
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
USER_AGENT = "MarkWatch/0.1 (+IP protection monitoring)"

CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
DEPTH_LIMIT = 8
AUTOTHROTTLE_ENABLED = False  # switched on per deployment; the local testbed needs none

# Refuse internal addresses (SSRF) before anything else sees the request.
DOWNLOADER_MIDDLEWARES = {"crawler.netguard.SsrfGuardMiddleware": 50}
# host:port pairs exempt from the SSRF guard; the spider's own -a base_url is added itself.
MARKWATCH_ALLOWED_HOSTS: list[str] = []

# Order matters: validate -> detect -> index -> alert. Each switches itself off
# (NotConfigured) when the crawl was not given the MarkWatch components.
ITEM_PIPELINES = {
    "crawler.pipelines.ListingPipeline": 100,
    "crawler.pipelines.DetectPipeline": 300,
    "crawler.pipelines.IndexPipeline": 500,
    "crawler.pipelines.AlertPipeline": 700,
}

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
