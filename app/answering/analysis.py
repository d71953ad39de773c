"""Step 1, question analysis: what a question asks about, what kind of answer it wants, and where.

A question is reduced to *concepts*: its content words (place names and question
words removed), each weighted by how rare it is in the corpus (BM25 idf), and
each also matched by the synonyms the corpus uses (lexicon.py: 老师 ≈ 教师).
Coverage of a text is the weighted share of concepts found in it; a second,
segmentation-free measure counts the question's character pairs found in it,
which survives typos (锻练) and odd word cuts. The *answer type* (a figure with
a unit, a date, a list, a reason, yes/no, a name) decides what a sentence must
contain to answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from index.retrieve import HybridRetriever
from ingest.zh.sentences import heading_of
from ingest.zh.stages import STAGE_WORDS, about_another_stage, figure_of_another_stage, stages_in, total_over_stages
from ingest.zh.synonyms import Lexicon
from ingest.zh.tokens import ChineseTokenizer

AnswerType = Literal["number", "date", "time", "list", "procedure", "location", "reason", "yesno", "name", "other"]

# a phone number, website or account asked for (电话是多少, 网址是什么): only the number or address itself answers
# a phone number or website asked for; a hotline's name (热线叫什么: “青春导航”) is a name, not a number
_ASKS_CONTACT = re.compile(
    r"(?:电话|热线|号码)(?:号码?)?是?(?:多少|什么|啥|几)|(?:网址|网站|邮箱|公众号|小程序)(?:是|叫)?(?:多少|什么|啥)|(?:号码|网址)[？?]?$|"
    r"联系方式|怎么联系|打什么电话"
)
_CONTACT = re.compile(
    r"\d{3,4}[-—]\d{7,8}|(?<!\d)1\d{10}(?!\d)|(?<!\d)\d{5,8}(?![\d.%\u4e00-\u9fff])|https?://|www\.|"
    r"[a-zA-Z0-9-]+\.(?:cn|com|org|net|gov)|@[a-zA-Z0-9]|(?:公众号|小程序|APP)[“「\"][^”」\"]+"
)
# how long something lasts in a period (每天运动多久): a duration, answered by 每天一小时 — not a date
# an amount of money asked by its name (学费多少, 租金多少, 安家补贴给多少): stated in 元, not by a share or a count
_ASKS_MONEY = re.compile(
    r"(?:费|租金|工资|薪酬|薪资|补贴|补助|奖金|奖励|拨款|资金|经费|专款)[^，,。？?]{0,6}?(?:是|有|要|给|大概|大约|一共|共|能)?"
    r"(?:多少|几)(?!个|所|名|人|项|成|倍|次|年|天)"
)
_ASKS_CHANGE_OR_SHARE = re.compile(r"增长|增加|提高|涨|占|比例|比重|百分|率")  # 经费增长多少: a rate, not 元
_ASKS_DURATION = re.compile(r"(?:每天|每日|每周|每次|每节|一次|一天|一周)[^，,。？?]{0,8}多(?:久|长时间)(?!一次)")
# the steps, procedure or papers of doing something (审批程序, 具体流程, 要走哪些步骤, 要带什么材料): answered by steps
# and papers named, not by the sentence saying the thing is done
_ASKS_STEPS = re.compile(r"流程|步骤|手续|走[^，,。？?]{0,4}程序|(?:交|带|准备|提交|需要)[^，,。？?]{0,4}材料")
_TYPE_PATTERNS: tuple[tuple[AnswerType, re.Pattern[str]], ...] = (
    ("procedure", _ASKS_CONTACT),
    ("procedure", _ASKS_STEPS),
    ("number", _ASKS_DURATION),
    ("other", re.compile(r"[花用]在哪(?![个项些一类种所家])")),  # what money is spent on (用于…), not a place
    # 几点 is o'clock, not a count of points (有几点, 一共几点, 分几点, 哪几点)
    ("time", re.compile(r"(?<![哪有共分])几点(?![内措意要建])|什么时间段")),
    (
        "date",
        re.compile(
            r"哪一?年|哪一?周(?![末日])|什么时候|啥时候|周几(?![节次课个])|星期几|礼拜几|何时|几月|哪个月|哪天|几号|哪一?年份|截止|期限|最晚|最迟|多久|多长时间一次|何年|年底前?还是"
        ),
    ),
    (
        "list",
        re.compile(
            r"哪些|哪[几两三四五六七八九十]|几个方面|几方面|几类|几种|几项|几大|都有啥|都有什么|有什么|有啥|包括|措施|举措"
        ),
    ),
    (
        "number",
        re.compile(
            r"多少|几(?:[个所名人项元岁班次天年批家条种万成倍周套亩间座届台位轮期节点]|小时|分钟|课时)|比例|占比|百分之|几成|多大|多长|"
            r"规模|人数|数量|覆盖率|率是|率达到"
        ),
    ),
    # how a family does something itself (注册, 预约, 报名 …): answered by steps, a website, a phone number
    (
        "procedure",
        re.compile(
            r"(?:怎么|如何|怎样|咋|[在从]哪儿?|[在从]哪里)(?:样|才能|去)?(?:注册|登录|预约|报名|申请|办理|缴费|查询|联系|登记|领取)|"
            r"(?:注册|登录|预约|报名|申请|办理)(?:流程|步骤|方式|入口|途径|手续)"
        ),
    ),
    # a standing (放在什么位置: 重中之重) or a figure of speech (扎根在哪: 师生心间; 差在哪儿): described, not a place
    ("other", re.compile(r"[放摆处]在(?:什么|哪个)位置|扎根在哪|差在哪")),
    # a physical place: an address, a street, where something is (在哪儿？) — not 在哪项工作, 整合到哪里, 跟哪儿学
    (
        "location",
        re.compile(
            r"地址|哪条[街路]|什么位置|哪个位置|具体位置|位于|什么地方|啥地方|在哪(?:里|儿)?(?=[？?，,。呢啊呀]|$)"
        ),
    ),
    ("reason", re.compile(r"为什么|为啥|原因|怎么|如何|怎样|咋|通过什么|靠什么|什么办法|什么方式|啥办法|什么样")),
    ("yesno", re.compile(r"吗|是否|有没有|能不能|要不要|可不可以|会不会|是不是|没有[？?]?$|没[？?]?$|不[？?]?$")),
    # which one (哪个部门, 谁, 叫什么, 什么工程); "…是什么？" alone asks what something is, answered by a description
    ("name", re.compile(r"哪|谁|叫|(?:什么|啥)(?![？?。呢啊]*$)")),
)
# 多少个班 asks for classes, 几个亿 for a sum: the noun after 个 is the unit when it is one
_ASKED_UNIT = re.compile(
    r"(?<!第)(?:多少|几)(?:个(?=班|人|亿|小时|课时|家|种|批|台|座|位))?(个|所|名|人|项|元|万元|亿元|亿|岁|班|次|天|年|批|家|条|种|万|钱|点|成|倍|套|亩|间|座|届|台|平方米|小时|分钟|课时|节|周|位)"
)
# a share asked for (比例是多少, 占几个百分比) is stated as a percentage, whatever unit is written
_ASKS_SHARE = re.compile(r"(?:百分|比例|占比|[^效]率).{0,6}(?:多少|几|多大|多高)|(?:多少|几个?)百分|几成")
# units a figure of the asked kind may be written in (多少分钟 → 0.5小时; 多少万元 → 1.22亿元)
_SAME_UNIT = {
    "人": "人|名|位",
    "名": "人|名|位",
    "位": "人|名|位",
    "个": "个|所|名|项|位|种|家|类|条",
    "钱": "元|万元|亿元",
    "元": "元|万元|亿元",
    "万元": "元|万元|亿元",
    "亿元": "元|万元|亿元",
    "万": "万|亿|千",
    "亿": "亿|万",  # 零点几个亿 → 8000万元
    "点": "点|时|[:：]\\d",
    "成": "%|％|成",
    "岁": "周岁|岁",  # 几岁上学: 年满6周岁
    "倍": "倍|%|％",
    "分钟": "分钟|小时|课时",
    "小时": "小时|分钟|课时",
    "天": "天|日|周|个?月",
    "周": "周|天|日|个?月|学期",
    "次": "次|轮",
    "节": "节|课时",
    "课时": "节|课时",
}
# Chinese numerals, but not a lone 一 (每一所学校, 一所学校 are not counts) nor a lone 百/千/万 (百姓, 7万 once the 7
# is the question's own)
_CHINESE_NUMBER = (
    "(?:[〇零二三四五六七八九十两][〇零一二三四五六七八九十百千万两]*|一[〇零一二三四五六七八九十百千万两]+)"
)
_NUMBER = re.compile(rf"\d|{_CHINESE_NUMBER}")
# a point in time (2023年6月, 秋季学期, 周三); how often (每两年, 定期) answers only a question asking how often
_DATE = re.compile(
    r"(?:19|20)\d\d|[一二三四五六七八九十\d]+月|年底|年初|学期|秋季|春季|寒假|暑假|开学|周[一二三四五六日末]|星期[一二三四五六日天]"
)
_OFTEN = re.compile(
    r"每年|每学年|每学期|每[一二两三四五六七八九十\d]+(?:年|学年|学期|个?月|周|天)|[一二两三]年一|定期|常态化"
)
# how fine a date is asked (哪一年, 几月份, 哪天, 哪一周): only a date that fine answers it
# (每学期 does not say the week)
_GRAINS = (
    (
        re.compile(r"哪一?天|几号|几月几[日号]|哪一?日"),
        re.compile(r"\d{1,2}\s*[日号]|\d{4}-\d\d?-\d\d?|[一二三]?十?[一二三四五六七八九十]日"),
    ),
    (re.compile(r"几月|哪个月"), re.compile(r"[一二三四五六七八九十\d]+月")),
    (
        re.compile(r"哪一?周(?![末日])|第几周"),
        re.compile(r"第[一二三四五六七八九十\d]+周|周[一二三四五六日末]|[一二三四五六七八九十\d]+月"),
    ),
    (
        re.compile(r"哪一?年|何年|几几年|什么年份"),
        re.compile(r"(?:19|20)\d\d|[今去明前]年|[一二三四五六七八九十\d]+年[后内前]"),
    ),
)
# a figure per unit (每所学校几个, 分到每个老师头上多少): a total (4所, 2000个巡检点) does not say it; 每月 is a period
_PER_UNIT = r"(?:每(?:一)?(?:个|所|名|位|间|家|户|人|校|班|生|学段|年级)(?!月|年|学期|周|天|日|季度))"
_ASKS_PER_UNIT = re.compile(rf"{_PER_UNIT}|一个?人(?=[^，,。？?]{{0,6}}(?:多少|几))")  # 补贴一个人给多少钱
_ASKS_TOTAL = re.compile(r"一共|总共|合计|总计|共计|加起来|总数")
_STATES_PER_UNIT = re.compile(rf"{_PER_UNIT}|各(?:学段|校|班|年级|所|学校)|[人生校班户]均|单个|平均")
_ASKS_OFTEN = re.compile(r"多久|多长时间一次|几年一次|一年几次|隔多久|多少年一次|频率|周期")
_LIST = re.compile(r"[、；;]|[一二三四五六七八九十]是|[（(][一二三四五六七八九十\d][）)]")
_QUOTED_ITEMS = re.compile(r"[”」》]\s*[“「《、，,和及与]")  # “网上办”“掌上办”, 《…》《…》: items side by side
_ASKS_SCHOOLS = re.compile(
    r"哪[几两三四五六七八九十\d]*所|哪些(?:学校|中学|小学|幼儿园|名校)|(?:学校|中学|小学|幼儿园|名校|名园)都?有哪些|"
    r"(?:学校|中学|小学|幼儿园|名校|名园)(?:的|都|分别)?(?:名单|名字|名称|叫什么|叫啥)"
)
# a school by its name (第三小学, 包钢一中, 二十七中, 清华附中, 方圆中学), not a kind of school (公办幼儿园, 新建小学)
_NUMBERED_SCHOOL = re.compile(
    r"第[一二三四五六七八九十\d]+(?:中学|小学|幼儿园|实验学校|学校|中|小)(?!学段)"
    r"|(?<![\d一二三四五六七八九十百千万两所个名每])[一二三四五六七八九十]{1,3}中(?![小学心型间等])"
    r"|附属?(?:中学|小学|中|小|幼儿园)|\d{2,3}中学"
)
_SCHOOL_SUFFIX = re.compile(r"中学|小学|幼儿园")
_KIND_OF_SCHOOL = re.compile(
    r"公办|民办|公立|私立|新建|新增|农村|城区|城镇|城市|乡村|乡镇|示范|普惠|优质|薄弱|寄宿|区属|市属|普通|完全|初级|高级|特色|"
    r"所有|每所|对口|周边|附近|现有|首创|开设|其他|一些|部分|这些|那些|领航|标杆|特殊|职业|城乡|重点|全区|全市|各类|各级|"
    r"新优|我区|本区|辖区"
)
_KIND_END = frozenset("所级类性化制的和与、等个些有建办设各及或在到为是学")
_KIND_START = frozenset("各每全本该其这那此")  # 各区小学, 全市中学: schools of a kind, not one by name
# why (not how): answered by a cause — 由于…, …导致…, 编制不足 — not by the figure the question was about
_ASKS_WHY = re.compile(r"为什么|为啥|原因|咋回事|怎么回事|怎么会|何故")
# (a plan answers why with its statement of the problem: 受…限制, 效果不理想, 结构不合理, 力量薄弱 …)
_CAUSE = re.compile(
    r"由于|因为|原因|导致|造成|致使|所以|因此|随着|受.{1,8}(?:影响|限制|制约)|不足|不够|缺乏|滞后|制约|未能|不到位|"
    r"挫伤|不理想|不合理|不均衡|不平衡|薄弱|短缺|匮乏|单一|落后|难度大|压力大|偏[少低弱小]|有待"
)
_LOCATION = re.compile(
    r"[\u4e00-\u9fff\d]{1,10}(?:路|街|大道|大街|巷|号|小区|村|镇|楼|广场)|旁边|附近|[东西南北]侧|对面|位于|坐落"
)
_PROCEDURE = re.compile(
    r"登录|网址|网站|点击|扫码|二维码|公众号|小程序|APP|电话|热线|携带|提交|窗口|步骤|流程|报名时间"
)
_NAME = re.compile(r"[《“\"「].+?[》”\"」]|[\u4e00-\u9fff]{2,}(?:学校|中学|小学|幼儿园|工程|计划|平台|中心|基地)")
# who (由谁决定, 谁负责): a body or a person by role — 领导班子, 公安部门, 教育局, 校长
# how many items a list asked for holds (哪三个课堂, 哪五项, 哪两所): the answer lists that many
_ASKED_COUNT = re.compile(r"哪([两二三四五六七八九十]|\d)[个条种项样件所大方类环点]")
_ITEM_SEPARATOR = re.compile(r"、|以及|和|与|及")
_CLAUSE = re.compile(r"[，,；;。：:！？]")
_QUOTED = re.compile(r"[“「《][^”」》]{1,30}[”」》]")
# which person: asked by 哪位 or for a list of names, or a role and 是谁 (校长是谁, 主持人都是谁)
_ASKS_PERSON = re.compile(
    r"哪几?位|名单|(?:局长|校长|园长|主持人|组长|督学|书记|主任|负责人)[^，,。？?]{0,3}(?:是谁|叫什么|姓什么)"
)
# a person named: a common surname, a given name of one or two characters, a title (张伟校长, 王明主任, 李同志)
_PERSON = re.compile(
    r"(?!高中|高校|高等|高级|文化|万名|任课|任教|方面|龙头|金牌|常务|史上)[王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟"
    r"汪田任姜范方石姚谭廖邹熊金陆郝孔白崔毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文习]"
    r"[\u4e00-\u9fff]{1,2}(?:同志|校长|局长|园长|书记|主任|老师|教授|院士|总书记|主席|组长)"
)
_AGENT = re.compile(
    r"[\u4e00-\u9fff]{2,}(?:部门|班子|委员会|领导小组|工作组|小组|机构|政府|党委|党工委|教育局|局|办公室|校长|园长|书记|"
    r"教师|老师|家长|专家|团队|队伍|负责人)"
)
# how many kinds (掌握几项技能, 有几种模式), not which (哪几项): a count in that unit answers as a list does
_ASKS_COUNT_OF = re.compile(r"(?<![哪第])几(?:项|种|类|条|个方面)")
_QUESTION_WORDS = re.compile(
    r"多少(?:钱|万?元|[个所名人项岁班次天年批家条种万成倍点号月位套节周间座届台])?|几[个所名人项元岁班次天年批家条种万成倍点号月]?|什么时候|啥时候|什么|啥|哪[几两三四五六七八九十]+[个项条类种所件]?|哪[些个所家一]?|为什么|为啥|怎么样?|"
    r"多(?:大|高|长|久|远|重)(?:时间)?|如何|怎样|咋|吗|呢|是否|有没有|能不能|要不要|会不会|是不是|请问|一下|知道|想问|问下|"
    # words that only phrase a question (有什么说法, 区里打算, 那些人): no content of their own
    r"[这那](?:些|边|篇|份)|说法|[区市县旗]里|打算|一般|大概|怎么办|啥样|什么样|另外|顺便"
)
# a verb asked as "A not A" (鼓不鼓励, 参不参加, 够不够): the verb
_A_NOT_A = re.compile(r"([\u4e00-\u9fff])[不没]\1")
_ASK_WORDS = re.compile(  # the asking alone, without the unit or noun asked about (多少钱 keeps 钱)
    r"多少|几|什么时候|啥时候|什么|啥|哪些|哪个|哪里|哪儿|哪|为什么|为啥|怎么样|怎么|如何|怎样|咋|吗|呢|是否|有没有|能不能"
)
_LEADING_QUANTIFIER = re.compile(r"^(?:几|多少)")
_TRAILING_PARTICLE = re.compile(r"(?<=.)[了过着的啊呀吧嘛]$")
# a year, or a five-year plan period (十四五): a figure of another period does not answer
_YEAR = re.compile(r"(?:19|20)\d\d(?=年|-|—|至|到)|十[一二三四五六]五")
_ASKS_SOURCE = re.compile(
    r"(?:出自)?哪[个份篇]?(?:文件|文章|报道|材料)|(?:文件|文章|报道|材料|规划)[里中]?的?哪[一]?条|"
    r"哪[一]?部分|哪个部分|哪[一]?节|哪个专栏|出自|哪里[说讲提]|"
    r"哪个工程[里]?[说讲提]|[说讲提]的[？?]?$"
)
_ASKS_WHICH_PART = re.compile(r"部分|专栏|哪[一]?节|哪[一]?章|哪[一]?条|哪块|板块|标题|哪[个项]工程")
_ASKS_ISSUED = re.compile(
    r"(?:哪年|哪一年|什么时候|啥时候|何时|哪天|几月|日期|时间)[^，,。？?]{0,4}(?:发|印发|发布|出台|公布)|"
    r"(?:谁|哪个(?:部门|单位)|什么(?:部门|单位))[^，,。？?]{0,3}(?:发|印发|发布|出的)|发布(?:单位|机构|部门|时间|日期)|"
    # a follow-up asking only how old what was quoted is (哪年的？, 这是什么时候的)
    r"^(?:这|那)?(?:个|篇|份)?(?:文件|报道|材料|说法)?(?:是)?(?:哪年|哪一年|什么时候|啥时候|几几年)(?:的|写的|出的)[？?。]?$"
)
# when a document was issued, asked of the document itself (玉泉区教育十四五规划是哪天发布的): the words before name it
_ASKS_ISSUED_WHEN = re.compile(
    r"(?:是|在|由)?(?:哪年|哪一年|什么时候|啥时候|何时|哪天|几月|谁|哪个(?:部门|单位|机构)|什么(?:部门|单位|机构))"
    r"[^，,。？?]{0,4}?(?:印发|发布|公布|发)的?"
)
# words a question calls a document by, not part of its name
_DOCUMENT_WORDS = re.compile(r"那篇|这篇|那份|这份|那个|这个|文章|文件|材料|报道|通知|的")
_ASKS_PLACES = re.compile(r"哪些(?:地方|地区|区|旗县|县区|城市)|哪几个(?:地方|地区|区)|哪里|各地|各区|哪个地方")
_FIRST_PERSON = re.compile(r"我|俺|咱家")
_YEAR_NUMBER = re.compile(r"(?:19|20)\d\d(?=年)")
_FIGURE = re.compile(rf"\d|{_CHINESE_NUMBER}\s*(?:余|多)?[个所名人项元万亿%倍套次天批家条种成]")
# the number of an item in a list or of a section, not a figure: (4)教师待遇有待提高, 专栏3:, 二是, 1.落实…
_MARKER = re.compile(
    r"[（(](?:\d{1,2}|[一二三四五六七八九十]{1,3})[)）]|专栏\d+|(?:^|(?<=[。；;:：,，]))\s*(?:\d{1,2}[.、．](?!\d)|[一二三四五六七八九十]{1,3}[、是])"
)
_FIGURE_REACH = 12  # characters either side of an asked-about word where its figure is written
_ASKS_FUTURE = re.compile(r"下一[批所个次轮步]|下[次批轮]|今后|以后|将来|明年|后年|还会|还要再|接下来")
# what comes after a milestone the documents name (…建成以后, 试行完以后, 到期后, 第二阶段): they plan up to it
_ASKS_AFTER = re.compile(
    r"(?:完|成功|达到|达标|建成|建满|到期|推开|推行|实现|转成|转为|翻建|验收)了?(?:以|之)?后|第二阶段"
)
# a part of a total the question gives (那32所学校里，幼儿园有几所; 908名老师里有多少是研究生): the total, not a year
_ASKS_PART = re.compile(
    r"(\d+(?:\.\d+)?)(?![\d.年])(?:余|多)?[个所名人项万亿元家批间套]*[\u4e00-\u9fff“”\"]{0,12}?(?:里|当中|之中)"
    r"[，,]?[^？?。]{0,16}(?:几|多少)"
)
# a follow-up asking a part of the total the last answer gave (其中自治区级的有多少, 里头部属院校招的有多少 — the
# answer's start told after it: …各级骨干教师1000人): that total
_ASKS_PART_OF_ANSWER = re.compile(
    r"^(?:其中|这其中|里头|里面|这里面|这里头|这当中|当中)[^？?。]{0,16}(?:几|多少)[^\d]*?(\d+(?:\.\d+)?)(?![\d.年])"
)
_BREAKDOWN = re.compile(r"其中|含|包括")
_CLAUSE_SPLIT = re.compile(r"[，,；;：:。！？!?]")
_DIGIT = re.compile(r"\d")
_TITLE = re.compile(r"《[^》]*》")
# how things are now (现在有多少名专任教师), not what a plan aims at
_ASKS_NOW = re.compile(r"现在|目前|现有|如今|眼下|当前|已经|已有|至今")
# a plan's target: what is to be reached, not what is (新培养…1000人, 到2025年…达到97%, 控制到15%以下)
_TARGET = re.compile(r"新培养|规划|计划|预计|力争|争创|争取|到20\d\d年|控制到|控制在|目标|(?<!已)(?<!经)达到")
# a state: what is so (截至2020年底, 已…, 目前, 现有); it ends a plan word's reach
_ASKS_TARGET = re.compile(rf"{_TARGET.pattern}|以后|将来|未来|打算|准备|要")
_STATE = re.compile(r"(?<!到)(?:20[01]\d|202[0-3])年|已|截至|截止|目前|现有")
_SINGLE_CHAR_WEIGHT = 0.3
_CONTEXT_WEIGHT = 0.3  # words of the story told before the question
# a clause a question presupposes, told before what it asks: …建成以后， / …推开后，
_PREMISE = re.compile(r"(.{2,}?)(?:以后|之后|(?<![最然今此而前先之以])后)[，,]\s*(?=\S)")
_STORY_SENTENCE = re.compile(r"[。！!；;]\s*")


@dataclass(frozen=True)
class Concept:
    forms: tuple[str, ...]
    weight: float
    known: bool = True  # some form is an index term: the corpus uses the word
    told: bool = False  # from the story or earlier question told before what is asked (context, not the ask)

    def found_in(self, text: str) -> bool:
        return any(_contains(text, form) for form in self.forms)

    def literal_in(self, text: str) -> bool:
        return _contains(text, self.forms[0])


def _contains(text: str, form: str) -> bool:
    """``form`` in ``text``; a Latin word (the tokenizer lowers it: x, stem) in any case (“X”, STEM)."""
    return form in text or (form.isascii() and form.upper() != form and form in text.lower())


@dataclass(frozen=True)
class QuestionAnalysis:
    question: str
    concepts: tuple[Concept, ...]
    places: tuple[tuple[str, ...], ...]
    answer_type: AnswerType
    unit: str | None = None
    bigrams: frozenset[str] = frozenset()
    years: tuple[str, ...] = ()
    asks_source: bool = False
    asks_future: bool = False
    asks_after: bool = False  # what comes after a milestone named (建成以后, 第二阶段), past what a plan states
    asks_schools: bool = False  # which school or schools (哪所, 哪几所学校, 哪些幼儿园): only a school's name answers
    asks_places: bool = False  # which places do it (哪些地方在推行…): answered per region, every one that does
    first_person: bool = False  # the ask is about the asker's own case (我家孩子…), which documents rarely decide
    focus: tuple[Concept, ...] = ()  # the words next to the question word: what exactly is asked (电话 in 电话是多少)
    stages: frozenset[str] = frozenset()  # school stages the question names (小学, 初中 …)
    asked_noun: str | None = None  # the noun a 哪个/什么 asks for (部门 in 哪个部门管): what a name answer ends in
    part_of: str | None = None  # the total a question asks a part of (32 in 那32所学校里幼儿园有几所)
    asks_now: bool = False  # how things are now (现在, 目前, 已经): a plan's target does not say
    asks_target: bool = False  # what a plan aims at (目标, 规划, 到2025年, 以后, 打算): a target may answer

    def rarest(self) -> Concept | None:
        """The most specific thing asked about that the corpus has a word for (the known concept that
        weighs most); ``None`` when the corpus knows none of the question's words."""
        known = [c for c in self.concepts if c.known]
        return max(known, key=lambda c: c.weight) if known else None

    @cached_property
    def asked_count(self) -> int | None:
        """How many items the question asks for by number (哪三个 → 3), or None."""
        found = _ASKED_COUNT.search(split_ask(self.question)[1])
        if found is None:
            return None
        number = found.group(1)
        return int(number) if number.isdigit() else 2 if number == "两" else CHINESE_DIGITS.index(number) + 1

    @cached_property
    def asks_person(self) -> bool:
        """Whether the question asks which person (哪位领导, 哪几位, 局长是谁, 有名单吗): a role or body won't do."""
        return _ASKS_PERSON.search(split_ask(self.question)[1]) is not None

    @property
    def asks_why(self) -> bool:
        return self.answer_type == "reason" and _ASKS_WHY.search(split_ask(self.question)[1]) is not None

    @property
    def asks_number(self) -> bool:
        return self.answer_type in ("number", "date", "time")

    def unknown_share(self) -> float:
        """Weighted share of the question's concepts the corpus has no word for (not even a synonym)."""
        total = sum(c.weight for c in self.concepts)
        return sum(c.weight for c in self.concepts if not c.known) / total if total else 0.0

    def missing_most(self, text: str) -> float:
        """The weight of the most specific known concept absent from ``text``, relative to the heaviest
        concept: 1.0 when the most specific thing asked about is missing, 0.0 when every known one is there."""
        heaviest = max((c.weight for c in self.concepts), default=0.0)
        missing = [c.weight for c in self.concepts if c.known and not c.found_in(text)]
        return max(missing) / heaviest if missing and heaviest else 0.0

    def focus_missing(self, text: str) -> bool:
        """Whether a word next to the question word (电话是多少, 什么时候完工) is absent from ``text``."""
        return any(not c.found_in(text) for c in self.focus)

    def focus_figure(self, text: str) -> bool:
        """Whether a figure stands next to a word the question asks about (校际差异系数 … 0.3; 缺口 … 1850个):
        a sentence on the topic that gives no figure for the thing asked does not answer 多少."""
        text = _YEAR_NUMBER.sub(lambda m: " " * len(m.group()), text)  # a year is not the figure asked for
        text = self._unmarked(text)
        for concept in self.focus or self.concepts:
            for form in concept.forms:
                at = text.find(form)
                while at >= 0:
                    if _FIGURE.search(text[max(0, at - _FIGURE_REACH) : at + len(form) + _FIGURE_REACH]):
                        return True
                    at = text.find(form, at + 1)
        return False

    @cached_property
    def _asked_about(self) -> tuple[str, ...]:
        """The question's words other than school stages (what a stage's figure would be a figure of)."""
        return tuple(f for c in self.concepts for f in c.forms if f not in STAGE_WORDS)

    def other_stage(self, text: str) -> bool:
        """Whether the figures ``text`` gives for what is asked are another school stage's (小学 asked)."""
        return figure_of_another_stage(self.stages, text, self._asked_about)

    def about_other_stage(self, text: str) -> bool:
        """Whether ``text`` is about another school stage than those asked, whatever it says (学前教育, when
        义务教育 is asked)."""
        return about_another_stage(self.stages, text)

    def only_targets(self, text: str) -> bool:
        """Whether every figure ``text`` gives for what is asked stands in a target, not a state: a clause of a plan
        (新培养…名班主任200人, 到2025年…覆盖率达到97%, a 达到 not 已达到), the plan word carried to the clauses after
        it until one states what is or was (截至2020年, 已, 目前)."""
        target = False
        verdicts = []
        for clause in _CLAUSE_SPLIT.split(_TITLE.sub("", text)):  # 《…三年行动计划》 names a plan, it sets no target
            target = not _STATE.search(clause) and (target or bool(_TARGET.search(clause)))
            if _DIGIT.search(clause) and any(word in clause for word in self._asked_about):
                verdicts.append(target)
        return bool(verdicts) and all(verdicts)

    def only_the_total(self, text: str) -> bool:
        """Whether ``text`` states the total the question asks a part of (那32所学校里…几所 and 覆盖32所学校):
        the sentence the question was made from, which does not break the total down."""
        if self.part_of is None:
            return False
        total = re.search(rf"(?<![\d.]){re.escape(self.part_of)}(?![\d.])", text)
        # 中学7所,其中含市直属3所: the total broken down after it
        return total is not None and not _BREAKDOWN.search(text, total.end())

    @cached_property
    def asks_for_part(self) -> bool:
        """Whether the question asks for a part of a document (哪个专栏, 小标题: ``asks_part``); asked once, read
        for every candidate sentence."""
        return asks_part(self.question)

    @cached_property
    def _asks_which_number(self) -> bool:
        """Whether the question asks which numbered item or section (第几条, 哪个专栏: 专栏3 answers it)."""
        return "第几" in self.question or self.asks_for_part

    def _unmarked(self, text: str) -> str:
        """``text`` without the numbers of list items and sections, unless the question asks for one."""
        return text if self._asks_which_number else without_markers(text)

    def other_year(self, text: str) -> bool:
        """Whether ``text`` states a year and not the one asked (2020年 asked: 2015年在校生30756人, the sentence
        beside 2020年在校生31469人). A plan period asked (十四五) is not compared."""
        asked = [y for y in self.years if y.isdigit()]
        stated = _YEAR_NUMBER.findall(text)
        return bool(asked and stated) and not any(y in stated for y in asked)

    def new_figure(self, text: str) -> bool:
        """Whether ``text`` states a figure of the kind asked (多少所: a number of 所) that is not a year and not
        already in the question (the 32所 of 那32所学校里幼儿园有几所 does not answer it)."""
        asked = set(re.findall(r"\d+(?:\.\d+)?", self.question))
        text = _YEAR_NUMBER.sub(" ", text)
        text = re.sub(r"\d+(?:\.\d+)?", lambda m: " " if m.group() in asked else m.group(), text)
        return self.states_quantity(text)

    def coverage(self, text: str, asked_only: bool = False) -> float:
        """Weighted share of the question's concepts found in ``text`` (0 to 1), synonyms included; with
        ``asked_only``, of the concepts of what is asked (not of the story or earlier question told before it)."""
        concepts = [c for c in self.concepts if not (asked_only and c.told)]
        total = sum(c.weight for c in concepts)
        if total == 0:
            return 0.0
        return sum(c.weight for c in concepts if c.found_in(text)) / total

    def answer_coverage(self, text: str) -> float:
        """Coverage by the clauses around the answer: each clause holding the kind of answer asked, with the
        clauses either side of it (the best of them). A figure in a clause about something else does not answer
        (0 when no clause holds the kind of answer)."""
        clauses = [c for c in _CLAUSE_SPLIT.split(text) if c]
        return max(
            (
                self.coverage("".join(clauses[max(0, i - 1) : i + 2]))
                for i, clause in enumerate(clauses)
                if self.type_match(clause)
            ),
            default=0.0,
        )

    def literal_coverage(self, text: str) -> float:
        """Like ``coverage`` but only the question's own words count."""
        total = sum(c.weight for c in self.concepts)
        if total == 0:
            return 0.0
        return sum(c.weight for c in self.concepts if c.literal_in(text)) / total

    def bigram_recall(self, text: str) -> float:
        """Share of the question's content character pairs that occur in ``text``."""
        if not self.bigrams:
            return 0.0
        return sum(b in text for b in self.bigrams) / len(self.bigrams)

    def states_quantity(self, text: str) -> bool:
        """Whether ``text`` gives the kind of figure asked for: a number with the unit asked about
        (多少所 → 27所; 多少人 → 719名; 几成 → 85%), or any number when the question names no unit; per unit when
        asked per unit (每所学校几个 → 每所学校建成至少1个, not 新建小学4所)."""
        if not self.asks_number:
            return False
        if self._asks_per_unit and not _STATES_PER_UNIT.search(text):
            return False
        if not self._asks_total and total_over_stages(self.stages, text):
            return False  # 幼儿园教师缺编多少: 中小学、幼儿园、特殊教育学校教师缺编共计719名 is everyone's
        return self._figure_in_unit(self._unmarked(text))

    @cached_property
    def _asks_per_unit(self) -> bool:
        return _ASKS_PER_UNIT.search(split_ask(self.question)[1]) is not None

    @cached_property
    def _asks_total(self) -> bool:
        return _ASKS_TOTAL.search(split_ask(self.question)[1]) is not None

    def _figure_in_unit(self, text: str) -> bool:
        if self.unit is None:
            return bool(_NUMBER.search(text))
        units = _SAME_UNIT.get(self.unit, re.escape(self.unit))
        # a lone 一 is a count before a unit of time (每天一小时, 每周一节)
        number = rf"\d[\d.,\-—~%]*|{_CHINESE_NUMBER}|一(?=(?:小时|课时|节|天|周|个月|年))"
        return bool(re.search(rf"(?:{number})\s*(?:余|多)?(?:{units})", text))

    def type_match(self, text: str) -> bool:
        """Whether ``text`` holds the kind of answer asked for."""
        kind = self.answer_type
        if kind in ("number", "time"):
            return self.states_quantity(text)
        if kind == "date":  # since when (从什么时候开始): 自建区以来 says it
            grain = next((says for asks, says in _GRAINS if asks.search(self.question)), None)
            if grain is not None:
                return bool(grain.search(text))
            often = _ASKS_OFTEN.search(self.question) and _OFTEN.search(text)
            return bool(_DATE.search(text) or often) or ("以来" in text and "开始" in self.question)
        if kind == "list" and (count := self.asked_count) and count > 1 and not self.asks_schools:
            # 哪七条, and the sentence lists three things: not the seven asked for; a heading announcing that many
            # (三、实施“六大工程”) has them under it
            announced = heading_of(text.strip()) and CHINESE_DIGITS[count - 1 : count] in text if count <= 10 else False
            return count in list_sizes(text) or bool(announced)
        if kind in ("name", "list") and self.asks_person and not self.asks_schools:
            return bool(_PERSON.search(text))  # 主持人都是谁: a person named, not 名校长(名师)工作室30个
        if kind == "list":
            if self.unit and _ASKS_COUNT_OF.search(self.question) and self._figure_in_unit(text):
                return True  # 掌握几项艺术技能: 1-2项 answers it
            if self.asks_schools:  # 哪些学校: schools named (第三小学等6所), not any list
                return bool(school_names(text))
            return len(_LIST.findall(text)) >= 2 or bool(_QUOTED_ITEMS.search(text)) or ("、" in text and "等" in text)
        if kind == "name":
            if self.asks_schools:  # 哪所学校: a school by its name, not 包联学校
                return bool(school_names(text))
            # 哪个部门 → 公安部门: a name ending in the noun asked about, or a title, a quoted or institution name
            noun = self.asked_noun
            if "谁" in self.question and _AGENT.search(text):  # 由谁决定: 由学校党政领导班子集体研究决定
                return True
            return bool(_NAME.search(text) or (noun and re.search(rf"[\u4e00-\u9fff]{{2}}{re.escape(noun)}", text)))
        if kind == "location":
            return bool(_LOCATION.search(text))
        if kind == "reason" and self.asks_why:
            return bool(_CAUSE.search(text))
        if kind == "procedure":
            return bool((_CONTACT if _ASKS_CONTACT.search(self.question) else _PROCEDURE).search(text))
        return True


def list_sizes(text: str) -> set[int]:
    """How many items each clause of ``text`` lists (专递课堂、名师课堂、名校课堂 → 3; “名师”“名校长” → 2; A和B → 2)."""
    sizes = set()
    for clause in _CLAUSE.split(text):
        sizes.add(len(_ITEM_SEPARATOR.split(clause)))
        sizes.add(len(_QUOTED.findall(clause)))
    return sizes


def school_names(text: str) -> list[str]:
    """The schools ``text`` names (第三小学, 包钢一中, 方圆中学); a kind of school (公办幼儿园, 新建小学, 中小学) is
    no name."""
    names = [m.group() for m in _NUMBERED_SCHOOL.finditer(text)]
    for m in _SCHOOL_SUFFIX.finditer(text):
        before = text[max(0, m.start() - 2) : m.start()]
        if (
            not re.fullmatch(r"[\u4e00-\u9fff]{2}", before)
            or _KIND_OF_SCHOOL.fullmatch(before)
            or before[-1] in _KIND_END
            or before[0] in _KIND_START
        ):
            continue
        if m.group() == "小学" and before[-1] == "中":  # 中小学
            continue
        if m.group() == "中学" and before[-1] in "高初" and text[m.end() : m.end() + 1] == "校":  # 高中学校
            continue
        if not any(name in text[max(0, m.start() - 4) : m.end()] for name in names):
            names.append(before + m.group())
    return names


CHINESE_DIGITS = "一二三四五六七八九十"
# what may follow an item asked by number or term when only the item is asked for: 是什么, 的标题是什么, 讲什么,
# 写了什么, 是哪一条, 呢
_ONLY_WHAT = re.compile(
    r"(?:的|里|中)?(?:具体|主要|详细)?(?:小?标题|内容|题目|名称|原话)?(?:是|讲|说|写|讲的|说的|写的|指的?)?(?:的是|了)?"
    r"(?:什么|啥|哪一?条|哪一?项|哪个|哪些|说说|讲讲|介绍一下)?(?:内容)?(?:呢|啊|呀)?[，,]?(?:标题|原话)?(?:怎么写的?|怎么说的?)?"
    r"[？?。！!\s]*"
)
_NAMED_ITEM = re.compile(r"[“\"「]([^”\"」]{1,12})[”\"」](?:那|这)一?(?:条|项|节|段|部分)")
_ITEM_NOUN = 4  # characters of a list's noun said again after the ordinal (第七个工程)
ORDINAL_UNITS = ("条", "项", "个", "点", "方面", "部分")  # 第五条, 第4个: an item of a list by its number
_ORDINAL = re.compile(rf"第[（(]?([{CHINESE_DIGITS}]{{1,3}}|\d{{1,3}})[)）]?(?:{'|'.join(ORDINAL_UNITS)})")


def without_markers(text: str) -> str:
    """``text`` with the numbers of list items and sections blanked (same length): (4), 专栏3, 二是, 1."""
    return _MARKER.sub(lambda m: " " * len(m.group()), text)


def asks_part(question: str) -> bool:
    """Whether a question asking where something is said asks which part (专栏, 部分, 哪个工程) rather than which
    document (哪篇报道, 哪个文件)."""
    return bool(_ASKS_WHICH_PART.search(question))


def asks_when_issued(question: str) -> bool:
    """Whether ``question`` asks when or by whom a document was issued (这个文件是哪年发的, 是谁发的)."""
    return bool(_ASKS_ISSUED.search(question))


def issued_document(question: str) -> str | None:
    """For a question asking when a document was issued (包头五大工程那篇文章是哪天发布的): the words naming the
    document (包头五大工程), without the words calling it one (那篇文章); None for any other question."""
    found = _ASKS_ISSUED_WHEN.search(question)
    return _DOCUMENT_WORDS.sub("", question[: found.start()]) if found else None


def asked_ordinal(question: str) -> int | None:
    """The item a question asks for by its place in a list (第五条是什么 → 5, 第二项 → 2, 第(5)条 → 5), or None."""
    asked = ordinal_reference(question)
    return asked[0] if asked else None


def ordinal_reference(question: str) -> tuple[int, str] | None:
    """The item a question asks for by number, and the words before it, which may name the list (玉泉区规划
    “面临挑战”第(5)条 → 5, 玉泉区规划“面临挑战”); None when it asks for none."""
    found = _ORDINAL.search(question)
    nth = _number(found.group(1)) if found else 0
    return (nth, question[: found.start()]) if found and nth > 0 else None


def outline_ordinal(question: str) -> tuple[int, str] | None:
    """``ordinal_reference`` of a question asking only what that item is (面临挑战第(5)条的标题是什么, 主要任务第12项,
    第三点讲什么) — not one saying something of it (第四条说免除了所有学费，是真的吗; 第二个百年奋斗目标是什么: the
    item's own words would not answer it)."""
    found = _ORDINAL.search(question)
    if found is None:
        return None
    tail = question[found.end() :]
    # the list's noun said again (六大工程的第七个工程是什么): what that item is, too
    noun = next((n for n in range(_ITEM_NOUN, 1, -1) if tail[:n] in question[: found.start()]), 0)
    only_what = _ONLY_WHAT.fullmatch(tail) or (noun and _ONLY_WHAT.fullmatch(tail[noun:]))
    return ordinal_reference(question) if only_what else None


def named_item(question: str) -> tuple[str, str] | None:
    """For a question asking only what an item of a list says, by a term it quotes (昆区“六大亮点”里“均衡化”那一条
    写了什么): the words before the term, which may name the list, and the term; None when it asks anything else."""
    found = _NAMED_ITEM.search(question)
    if found is None or not _ONLY_WHAT.fullmatch(question[found.end() :]):
        return None
    return question[: found.start()], found.group(1)


def renumbered(question: str, step: int) -> str | None:
    """``question`` asking the item ``step`` after (or before) the one it asks by number (第五条 → 第6条), or None
    when it asks none (``outline_ordinal``) or there is none before."""
    found = _ORDINAL.search(question)
    nth = _number(found.group(1)) + step if found and outline_ordinal(question) else 0
    if found is None or nth < 1:
        return None
    return question[: found.start(1)] + str(nth) + question[found.end(1) :]


def _number(numeral: str) -> int:
    """1 to 999 written in digits or in Chinese numerals up to 九十九 (十三 → 13, 二十 → 20); 0 for anything else."""
    if numeral.isdigit():
        return int(numeral)
    tens, ten, ones = numeral.partition("十")
    digits = [CHINESE_DIGITS.index(d) + 1 for d in tens + ones if d != "十"]
    if not ten:
        return digits[0] if len(numeral) == 1 else 0
    if len(tens) > 1 or len(ones) > 1 or "十" in tens + ones:
        return 0
    return (digits[0] if tens else 1) * 10 + (digits[-1] if ones else 0)


def source_asked(question: str) -> re.Match[str] | None:
    """Where ``question`` asks where something is said (哪个文件, 哪一部分, 出自哪篇), or None."""
    return _ASKS_SOURCE.search(question)


def answer_type_of(question: str) -> AnswerType:
    for kind, pattern in _TYPE_PATTERNS:
        if pattern.search(question):
            return kind
    return "other"


def content_bigrams(text: str) -> frozenset[str]:
    """Character pairs of ``text`` with question words and punctuation removed."""
    runs = re.split(r"[^\u4e00-\u9fff0-9a-zA-Z%]+", _QUESTION_WORDS.sub(" ", text))
    return frozenset(run[i : i + 2] for run in runs for i in range(len(run) - 1))


def without_question_words(text: str) -> str:
    """``text`` without its question words (玉泉区小学学位缺多少？ → 玉泉区小学学位缺; 安排多少钱 → 安排钱): its topic,
    not its ask."""
    return re.sub(r"\s+", " ", _ASK_WORDS.sub(" ", text)).strip(" ？?")


def last_sentence(question: str) -> str:
    """The last sentence of a question told as a story; the question itself when it is one sentence."""
    parts = [p for p in _STORY_SENTENCE.split(question.strip()) if p.strip()]
    return parts[-1] if len(parts) > 1 else question


def split_ask(question: str) -> tuple[str, str]:
    """(context, ask): a question told as a story ("孩子今年小学毕业。……能上哪所初中？") is mostly context;
    the last sentence is what is asked. So is what a question presupposes before 以后/之后 ("昆区争创普及普惠县以后，
    下一步要争创什么": the step after it is asked, not the step itself). A one-sentence question is all ask."""
    ask = last_sentence(question)
    told = [p for p in _STORY_SENTENCE.split(question.strip()) if p.strip()][:-1] if ask != question else []
    if premise := _PREMISE.match(ask):
        told.append(premise.group(1))
        ask = ask[premise.end() :]
    return "。".join(told), ask


def _concept_groups(text: str, retriever: HybridRetriever, lexicon: Lexicon) -> list[tuple[str, ...]]:
    tokenizer = retriever.index.keyword_index.tokenizer
    rest = _A_NOT_A.sub(r"\1", retriever.gazetteer.strip_places(text))  # 鼓不鼓励 → 鼓励, 参不参加 → 参加
    groups: list[tuple[str, ...]] = []
    for term, official in lexicon.hand_terms_in(rest):
        groups.append((term, *official))
        rest = rest.replace(term, " ")
    for word in tokenizer.content_words(_QUESTION_WORDS.sub(" ", rest)):
        word = _TRAILING_PARTICLE.sub("", _LEADING_QUANTIFIER.sub("", word) or word)
        if word and word not in tokenizer.stopwords and all(word not in g for g in groups):
            groups.append(lexicon.forms(word))
    return groups


_FOCUS_QUESTION_WORDS = re.compile(
    r"多少|多(?:大|高|长|久|远)|几[个所名人项元岁班次天年批家条种万成倍点号月]?|什么时候|啥时候|什么|啥|哪[些个所家一天年]?|为什么|为啥|"
    r"怎么|如何|怎样|咋|谁"
)
_FOCUS_REACH = 1  # characters between a question word and the word it asks about


def focus_concepts(ask: str, concepts: list[Concept], tokenizer: ChineseTokenizer) -> tuple[Concept, ...]:
    """The concepts written right before or after a question word of ``ask`` (at most a 是/的/要 between), but
    not a word that names nothing (为什么一直不够, 由谁决定: 一直 and 由 are not what is asked about)."""
    spans = [m.span() for m in _FOCUS_QUESTION_WORDS.finditer(ask)]
    focus = []
    for concept in concepts:
        if tokenizer.names_nothing(concept.forms[0]):
            continue
        at = ask.find(concept.forms[0])
        if at < 0:
            continue
        end = at + len(concept.forms[0])
        if any(0 <= start - end <= _FOCUS_REACH or 0 <= at - stop <= _FOCUS_REACH for start, stop in spans):
            focus.append(concept)
    return tuple(focus)


_WHICH = re.compile(r"(?:哪(?:个|项|一|些|所|家|种|类|级|几个)?|什么|啥)(?!时候)")


def _asked_noun(ask: str, tokenizer: ChineseTokenizer) -> str | None:
    """The first content word right after 哪个/什么 (部门 in 归哪个部门管), or None."""
    for match in _WHICH.finditer(ask):
        words = tokenizer.content_words(ask[match.end() : match.end() + 6])
        if words and len(words[0]) >= 2 and ask.startswith(words[0], match.end()):
            return words[0]
    return None


def asked_unit(ask: str) -> str | None:
    """The unit the figure asked for is stated in: 成 for a share (比例是多少, 占几成: a percentage answers), 小时 for a
    duration, the unit after 多少/几 (多少所, 几个亿), 钱 for money asked by its name (学费多少), else None."""
    if _ASKS_SHARE.search(ask):
        return "成"
    if _ASKS_DURATION.search(ask):
        return "小时"
    if unit := _ASKED_UNIT.search(ask):
        return unit.group(1)
    return "钱" if _ASKS_MONEY.search(ask) and not _ASKS_CHANGE_OR_SHARE.search(ask) else None


def analyse_question(question: str, retriever: HybridRetriever, lexicon: Lexicon) -> QuestionAnalysis:
    keyword = retriever.index.keyword_index
    context, ask = split_ask(question)
    asked = _concept_groups(ask, retriever, lexicon)
    told = [g for g in _concept_groups(context, retriever, lexicon) if g not in asked] if context else []
    concepts = []
    for forms, share in [*((g, 1.0) for g in dict.fromkeys(asked)), *((g, _CONTEXT_WEIGHT) for g in told)]:
        weight = float(max(keyword.idf(list(forms)))) * share
        if len(forms[0]) == 1 and not forms[0].isdigit():
            weight *= _SINGLE_CHAR_WEIGHT
        concepts.append(Concept(forms, weight, any(keyword.has_term(f) for f in forms), share < 1.0))
    return QuestionAnalysis(
        question=question,
        concepts=tuple(concepts),
        places=tuple(retriever.named_places(question)),
        answer_type=answer_type_of(ask),
        unit=asked_unit(ask),
        bigrams=content_bigrams(retriever.gazetteer.strip_places(ask)),
        years=tuple(dict.fromkeys(_YEAR.findall(ask))),
        asks_source=source_asked(ask) is not None,
        asks_future=bool(_ASKS_FUTURE.search(last_sentence(question))),
        asks_after=bool(_ASKS_AFTER.search(last_sentence(question))),
        asks_schools=bool(_ASKS_SCHOOLS.search(ask)),
        asks_places=bool(_ASKS_PLACES.search(ask)),
        first_person=bool(_FIRST_PERSON.search(ask)),
        focus=focus_concepts(ask, concepts, keyword.tokenizer),
        stages=stages_in(ask),
        asked_noun=_asked_noun(ask, keyword.tokenizer),
        part_of=part.group(1) if (part := _ASKS_PART.search(ask) or _ASKS_PART_OF_ANSWER.search(ask)) else None,
        asks_now=bool(_ASKS_NOW.search(ask)),
        asks_target=bool(_ASKS_TARGET.search(ask)),
    )
