"""A tiny message catalog: Chinese by default, English via `?lang=en`, a cookie or the browser.

Messages are looked up by key; a key missing in English falls back to Chinese, and one
missing in both shows the key (so a gap is visible instead of an empty label).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

_ZH: dict[str, str] = {
    "app": "MarkWatch 商标监测", "search": "检索", "dashboard": "统计", "portal": "权利人门户",
    "admin": "管理", "login": "登录", "logout": "退出", "username": "用户名",
    "password": "密码", "login_failed": "用户名或密码错误", "too_many": "尝试次数过多，请稍后再试",
    "query": "关键词", "relevance": "相关度",
    "mark": "标志", "verdict": "判定", "platform": "平台", "region": "地区",
    "seller": "卖家", "status": "状态", "date": "日期", "from": "自", "to": "至",
    "results": "条结果", "export_csv": "导出 CSV", "next_page": "下一页", "apply": "筛选",
    "score": "分数", "price": "价格", "last_seen": "最近发现", "first_seen": "首次发现",
    "alert": "告警", "alerts": "告警", "reasons": "理由", "evidence": "证据",
    "images": "图片", "ocr_text": "图片文字 (OCR)", "screenshot": "页面截图",
    "seller_history": "卖家历史", "price_history": "价格历史", "audit": "处理记录",
    "confirm": "确认侵权", "dismiss": "驳回", "refer": "移送", "close": "结案",
    "reopen": "重新确认", "reason": "理由", "case_number": "案件编号", "agency": "接收机关",
    "assign": "指派", "assignee": "负责人", "case_file": "导出案卷 (ZIP)", "bulk": "批量处理",
    "select_all": "全选", "action": "操作", "done": "已完成", "failed": "失败",
    "no_results": "没有结果", "not_captured": "未保存副本", "matched_region": "匹配区域",
    "listing": "商品", "title": "标题", "description": "描述", "open_listing": "原始页面",
    "alerts_over_time": "告警趋势", "by_mark": "按标志", "by_platform": "按平台",
    "by_region": "按地区", "by_seller": "按卖家", "by_status": "按状态",
    "repeat_infringers": "重复侵权者", "total": "合计", "watchlists": "监测清单",
    "channels": "通知渠道", "name": "名称", "marks": "标志", "keywords": "关键词",
    "save": "保存", "delete": "删除", "deactivate": "停用", "active": "启用",
    "type": "类型", "url": "地址", "users": "用户", "role": "角色", "organisation": "单位",
    "create": "新建", "api_tokens": "API 令牌", "label": "说明", "revoke": "吊销",
    "new_token": "新令牌（只显示一次）", "schedules": "采集计划", "spider": "爬虫",
    "cron": "Cron 表达式", "next_run": "下次运行", "enabled": "启用", "catalog": "保护标志目录",
    "kind": "类别", "aliases": "别名", "legal_basis": "法律依据", "registration": "登记号",
    "my_alerts": "我的告警", "min_verdict": "最低判定", "error": "错误",
    "not_found": "未找到", "forbidden": "无权访问", "language": "English",
    "infringing": "侵权", "suspicious": "可疑", "clear": "正常", "new": "新告警",
    "confirmed": "已确认", "dismissed": "已驳回", "referred": "已移送", "closed": "已结案",
    "gi": "地理标志", "olympic": "奥林匹克标志", "staff": "执法人员",
    "rights_holder": "权利人", "repeat": "重复侵权", "gone": "已下架",
    "delivery": "推送方式", "immediate": "即时", "digest": "每日汇总",
    "summary": "案卷摘要", "sha256": "SHA-256", "file": "文件", "generated": "生成时间",
    "change_password": "新密码", "unassigned": "未指派", "assigned_to_me": "指派给我",
}

_EN: dict[str, str] = {
    "app": "MarkWatch", "search": "Search", "dashboard": "Dashboard",
    "portal": "Rights holder portal", "admin": "Admin", "login": "Log in", "logout": "Log out",
    "username": "User name", "password": "Password",
    "login_failed": "Wrong user name or password", "too_many": "Too many attempts, try later",
    "query": "Keywords", "relevance": "Relevance",
    "mark": "Mark", "verdict": "Verdict", "platform": "Platform",
    "region": "Region", "seller": "Seller", "status": "Status", "date": "Date",
    "from": "From", "to": "To", "results": "results", "export_csv": "Export CSV",
    "next_page": "Next page", "apply": "Filter", "score": "Score", "price": "Price",
    "last_seen": "Last seen", "first_seen": "First seen", "alert": "Alert",
    "alerts": "Alerts", "reasons": "Reasons", "evidence": "Evidence", "images": "Images",
    "ocr_text": "Text in images (OCR)", "screenshot": "Screenshot",
    "seller_history": "Seller history", "price_history": "Price history",
    "audit": "Audit trail", "confirm": "Confirm", "dismiss": "Dismiss", "refer": "Refer",
    "close": "Close", "reopen": "Reconfirm", "reason": "Reason", "case_number": "Case number",
    "agency": "Receiving agency", "assign": "Assign", "assignee": "Assignee",
    "case_file": "Case file (ZIP)", "bulk": "Bulk action", "select_all": "Select all",
    "action": "Action", "done": "Done", "failed": "Failed", "no_results": "No results",
    "not_captured": "no copy captured", "matched_region": "matched region",
    "listing": "Listing", "title": "Title", "description": "Description",
    "open_listing": "Original page", "alerts_over_time": "Alerts over time",
    "by_mark": "By mark", "by_platform": "By platform", "by_region": "By region",
    "by_seller": "By seller", "by_status": "By status",
    "repeat_infringers": "Repeat infringers", "total": "Total", "watchlists": "Watchlists",
    "channels": "Channels", "name": "Name", "marks": "Marks", "keywords": "Keywords",
    "save": "Save", "delete": "Delete", "deactivate": "Deactivate", "active": "Active",
    "type": "Type", "url": "URL", "users": "Users", "role": "Role",
    "organisation": "Organisation", "create": "Create", "api_tokens": "API tokens",
    "label": "Label", "revoke": "Revoke", "new_token": "New token (shown once)",
    "schedules": "Crawl schedules", "spider": "Spider", "cron": "Cron expression",
    "next_run": "Next run", "enabled": "Enabled", "catalog": "Catalog of protected marks",
    "kind": "Kind", "aliases": "Aliases", "legal_basis": "Legal basis",
    "registration": "Registration", "my_alerts": "My alerts", "min_verdict": "Minimum verdict",
    "error": "Error", "not_found": "Not found", "forbidden": "Forbidden", "language": "中文",
    "infringing": "infringing", "suspicious": "suspicious", "clear": "clear", "new": "new",
    "confirmed": "confirmed", "dismissed": "dismissed", "referred": "referred",
    "closed": "closed", "gi": "geographical indication", "olympic": "Olympic insignia",
    "staff": "staff", "rights_holder": "rights holder", "repeat": "repeat infringer",
    "gone": "gone", "delivery": "Delivery", "immediate": "immediate", "digest": "daily digest",
    "summary": "Case summary", "sha256": "SHA-256", "file": "File", "generated": "Generated",
    "change_password": "New password", "unassigned": "unassigned",
    "assigned_to_me": "Assigned to me",
}

CATALOG: Mapping[str, Mapping[str, str]] = {"zh": _ZH, "en": _EN}


@dataclass(frozen=True, slots=True)
class Translator:
    lang: str

    def __call__(self, key: str) -> str:
        return CATALOG.get(self.lang, _ZH).get(key) or _ZH.get(key) or key

    @property
    def other(self) -> str:
        return "en" if self.lang == "zh" else "zh"


def choose_language(query: str | None, cookie: str | None, accept: str | None) -> str:
    """`?lang=` wins, then the cookie, then the first supported Accept-Language entry."""
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return str(candidate)
    for part in (accept or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE
