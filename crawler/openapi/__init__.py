"""Official open-platform APIs (Taobao TOP, JD Union JOS, Pinduoduo DDK): signing, requests,
answers and errors. Pure: no network here; the spiders send what these modules build."""
