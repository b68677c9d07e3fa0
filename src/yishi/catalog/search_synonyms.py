"""The initial everyday phrasings of the unified search (seeded by a migration and by
load_demo; administrators edit them afterwards as catalog.SearchSynonym rows) and the stop
words dropped from every query. See catalog.unified_search."""

from __future__ import annotations

from typing import Any

# Words that carry no meaning for the search ("退休手续" → "退休"). Matched on the normalised
# query (punctuation and spaces already gone), longest first, after the synonyms.
STOP_WORDS: tuple[str, ...] = (
    "怎么办理", "怎么办", "怎么弄", "怎么申请", "怎么", "如何办理", "如何申请", "如何",
    "要办什么", "需要办什么", "要办哪些", "需要什么", "要什么", "办什么", "需要", "哪些",
    "手续", "材料", "流程", "办理", "在哪里办", "在哪办", "去哪里办", "去哪办", "在哪里",
    "在哪", "哪里", "我想", "我要", "想要", "请问", "咨询", "一下", "相关", "什么",
    "了", "吗", "呢", "啊", "吧", "呀",
)  # fmt: skip

_NEWBORN = ("theme", "newborn")
_RESTAURANT = ("theme", "restaurant")
_ELEVATOR = ("theme", "elevator")
_CARD = ("theme", "social-security-card")
_RETIREMENT = ("theme", "retirement")
_DISABILITY = ("theme", "disability")
_DEREGISTRATION = ("theme", "company-deregistration")
_CHANGE = ("theme", "company-change")
_HOUSING = ("theme", "rural-housing")
_UTILITIES = ("theme", "utilities")
_CREDIT = ("theme", "credit-repair")
_TRANSPORT = ("theme", "transport-company")
_NONE = ("", "")

# (phrase, expansion, (target kind, target code))
SEED: tuple[tuple[str, str, tuple[str, str]], ...] = (
    # 新生儿出生
    ("生孩子", "新生儿出生", _NEWBORN),
    ("生小孩", "新生儿出生", _NEWBORN),
    ("生宝宝", "新生儿出生", _NEWBORN),
    ("生娃", "新生儿出生", _NEWBORN),
    ("宝宝出生", "新生儿出生", _NEWBORN),
    ("孩子出生", "新生儿出生", _NEWBORN),
    ("小孩出生", "新生儿出生", _NEWBORN),
    ("婴儿出生", "新生儿出生", _NEWBORN),
    ("刚出生", "新生儿出生", _NEWBORN),
    ("添丁", "新生儿出生", _NEWBORN),
    ("上户口", "出生登记", _NEWBORN),
    ("报户口", "出生登记", _NEWBORN),
    ("孩子落户", "出生登记", _NEWBORN),
    ("出生证", "出生医学证明", _NONE),
    ("打疫苗", "预防接种", _NONE),
    ("打预防针", "预防接种", _NONE),
    ("接种本", "预防接种证", _NONE),
    ("生育险", "生育津贴", _NONE),
    ("生育保险", "生育津贴", _NONE),
    ("产假工资", "生育津贴", _NONE),
    # 开办餐饮店
    ("开饭店", "开办餐饮店", _RESTAURANT),
    ("开餐馆", "开办餐饮店", _RESTAURANT),
    ("开饭馆", "开办餐饮店", _RESTAURANT),
    ("开餐厅", "开办餐饮店", _RESTAURANT),
    ("开小吃店", "开办餐饮店", _RESTAURANT),
    ("开面馆", "开办餐饮店", _RESTAURANT),
    ("开奶茶店", "开办餐饮店", _RESTAURANT),
    ("开早餐店", "开办餐饮店", _RESTAURANT),
    ("开火锅店", "开办餐饮店", _RESTAURANT),
    ("开烧烤店", "开办餐饮店", _RESTAURANT),
    ("开咖啡店", "开办餐饮店", _RESTAURANT),
    ("开蛋糕店", "开办餐饮店", _RESTAURANT),
    ("开饮品店", "开办餐饮店", _RESTAURANT),
    ("开酒楼", "开办餐饮店", _RESTAURANT),
    ("开农家乐", "开办餐饮店", _RESTAURANT),
    ("食品许可证", "食品经营许可", _NONE),
    ("食品经营许可证", "食品经营许可", _NONE),
    ("卖烟", "烟草专卖零售许可", _NONE),
    ("烟草证", "烟草专卖零售许可", _NONE),
    ("烟草许可证", "烟草专卖零售许可", _NONE),
    ("挂招牌", "户外招牌", _NONE),
    ("做招牌", "户外招牌", _NONE),
    ("门头招牌", "户外招牌", _NONE),
    ("店招", "户外招牌", _NONE),
    # 既有住宅加装电梯
    ("装电梯", "加装电梯", _ELEVATOR),
    ("加电梯", "加装电梯", _ELEVATOR),
    ("加梯", "加装电梯", _ELEVATOR),
    ("安电梯", "加装电梯", _ELEVATOR),
    ("安装电梯", "加装电梯", _ELEVATOR),
    ("老楼装电梯", "加装电梯", _ELEVATOR),
    ("老小区装电梯", "加装电梯", _ELEVATOR),
    # 社会保障卡
    ("社保卡丢了", "社会保障卡补换", _CARD),
    ("社保卡掉了", "社会保障卡补换", _CARD),
    ("社保卡丢失", "社会保障卡补换", _CARD),
    ("社保卡坏了", "社会保障卡补换", _CARD),
    ("补办社保卡", "社会保障卡补换", _CARD),
    ("补社保卡", "社会保障卡补换", _CARD),
    ("社保卡补办", "社会保障卡补换", _CARD),
    ("换社保卡", "社会保障卡补换", _CARD),
    ("社保卡挂失", "社会保障卡挂失", _CARD),
    ("办社保卡", "社会保障卡申领", _CARD),
    ("社保卡激活", "社会保障卡启用", _CARD),
    ("激活社保卡", "社会保障卡启用", _CARD),
    ("社保卡", "社会保障卡", _CARD),
    ("医保卡", "社会保障卡", _CARD),
    # 退休
    ("办退休", "退休", _RETIREMENT),
    ("退休了", "退休", _RETIREMENT),
    ("领养老金", "退休", _RETIREMENT),
    ("领退休金", "退休", _RETIREMENT),
    ("退休金", "退休", _RETIREMENT),
    ("养老金", "退休", _RETIREMENT),
    # 残疾人服务
    ("办残疾证", "残疾人证", _DISABILITY),
    ("残疾证", "残疾人证", _DISABILITY),
    ("残疾人补贴", "残疾人", _DISABILITY),
    ("残疾补贴", "残疾人", _DISABILITY),
    ("轮椅", "辅助器具", _NONE),
    # 企业注销
    ("公司注销", "企业注销", _DEREGISTRATION),
    ("注销公司", "企业注销", _DEREGISTRATION),
    ("关公司", "企业注销", _DEREGISTRATION),
    ("公司关门", "企业注销", _DEREGISTRATION),
    ("公司倒闭", "企业注销", _DEREGISTRATION),
    ("关门", "企业注销", _DEREGISTRATION),
    ("歇业", "企业注销", _DEREGISTRATION),
    ("不干了", "企业注销", _DEREGISTRATION),
    ("税务注销", "清税", _NONE),
    # 企业信息变更
    ("公司改名", "企业变更", _CHANGE),
    ("改公司名", "企业变更", _CHANGE),
    ("公司名称变更", "企业变更", _CHANGE),
    ("换法人", "企业变更", _CHANGE),
    ("变更法人", "企业变更", _CHANGE),
    ("公司搬家", "企业变更", _CHANGE),
    ("公司地址变更", "企业变更", _CHANGE),
    ("公司变更", "企业变更", _CHANGE),
    ("刻章", "公章刻制", _NONE),
    ("刻公章", "公章刻制", _NONE),
    # 开办企业
    ("营业执照", "设立登记", _NONE),
    ("办执照", "设立登记", _NONE),
    ("办营业执照", "设立登记", _NONE),
    ("开公司", "设立登记", _NONE),
    ("注册公司", "设立登记", _NONE),
    ("成立公司", "设立登记", _NONE),
    ("办公司", "设立登记", _NONE),
    ("个体户", "个体工商户", _NONE),
    ("领发票", "发票申领", _NONE),
    ("申请发票", "发票申领", _NONE),
    # 开办运输企业
    ("开物流公司", "开办运输企业", _TRANSPORT),
    ("开货运公司", "开办运输企业", _TRANSPORT),
    ("开运输公司", "开办运输企业", _TRANSPORT),
    ("跑运输", "开办运输企业", _TRANSPORT),
    ("跑货运", "开办运输企业", _TRANSPORT),
    ("营运证", "道路运输车辆营运证", _NONE),
    # 农村建房
    ("盖房子", "农村建房", _HOUSING),
    ("盖房", "农村建房", _HOUSING),
    ("建房子", "农村建房", _HOUSING),
    ("自建房", "农村建房", _HOUSING),
    ("农村盖房", "农村建房", _HOUSING),
    ("老家盖房", "农村建房", _HOUSING),
    ("翻建房屋", "农村建房", _HOUSING),
    # 水电气网联合报装
    ("接水电", "联合报装", _UTILITIES),
    ("水电报装", "联合报装", _UTILITIES),
    ("通水通电", "联合报装", _UTILITIES),
    ("装水表", "用水报装", _NONE),
    ("通水", "用水报装", _NONE),
    ("装电表", "用电报装", _NONE),
    ("通电", "用电报装", _NONE),
    ("装燃气", "用气报装", _NONE),
    ("装天然气", "用气报装", _NONE),
    ("通燃气", "用气报装", _NONE),
    ("装宽带", "宽带报装", _NONE),
    ("装网线", "宽带报装", _NONE),
    # 信用修复
    ("修复信用", "信用修复", _CREDIT),
    ("信用不好", "信用修复", _CREDIT),
    ("失信", "信用修复", _CREDIT),
    ("黑名单", "信用修复", _CREDIT),
    ("异常名录", "信用修复", _CREDIT),
    ("经营异常", "信用修复", _CREDIT),
    # 婚姻、身后事、其他常见说法
    ("结婚", "结婚登记", _NONE),
    ("领结婚证", "结婚登记", _NONE),
    ("登记结婚", "结婚登记", _NONE),
    ("领证", "结婚登记", _NONE),
    ("离婚", "离婚登记", _NONE),
    ("去世", "死亡", _NONE),
    ("过世", "死亡", _NONE),
    ("身故", "死亡", _NONE),
    ("身后事", "死亡", _NONE),
    ("人走了", "死亡", _NONE),
    ("销户口", "户口注销", _NONE),
    ("身份证丢了", "居民身份证换领", _NONE),
    ("补身份证", "居民身份证换领", _NONE),
    ("换身份证", "居民身份证换领", _NONE),
    ("身份证过期", "居民身份证换领", _NONE),
    ("身份证", "居民身份证", _NONE),
    ("暂住证", "居住证", _NONE),
    ("买医保", "医疗保险参保登记", _NONE),
    ("交医保", "医疗保险参保登记", _NONE),
    ("办医保", "医疗保险参保登记", _NONE),
    ("交社保", "养老保险参保登记", _NONE),
    ("外地看病", "异地就医备案", _NONE),
    ("异地看病", "异地就医备案", _NONE),
    ("失业金", "失业保险金", _NONE),
    ("领失业金", "失业保险金", _NONE),
    ("低保", "最低生活保障", _NONE),
    ("吃低保", "最低生活保障", _NONE),
    ("高龄补贴", "高龄津贴", _NONE),
    ("老人补贴", "高龄津贴", _NONE),
    ("孩子上学", "入学登记", _NONE),
    ("上小学", "入学登记", _NONE),
    ("上初中", "入学登记", _NONE),
    ("过户", "不动产转移登记", _NONE),
    ("房子过户", "不动产转移登记", _NONE),
    ("二手房过户", "不动产转移登记", _NONE),
    ("退伍军人", "退役军人", _NONE),
    ("取公积金", "住房公积金", _NONE),
    ("提公积金", "住房公积金", _NONE),
)


def seed_rows() -> list[dict[str, Any]]:
    return [
        {"phrase": p, "expansion": e, "target_kind": k, "target_code": c} for p, e, (k, c) in SEED
    ]


def seed_synonyms(model: Any = None) -> int:
    """Add the seed phrasings that are missing (edited rows are kept); returns how many."""
    if model is None:
        from yishi.catalog.models import SearchSynonym as model
    existing = set(model.objects.values_list("phrase", flat=True))
    new = [model(**row) for row in seed_rows() if row["phrase"] not in existing]
    model.objects.bulk_create(new)
    return len(new)
