package parse

import "strings"

// NormalizeText folds a message into the form the rules are written for,
// rune for rune, so that a rune offset in the result is the same offset in
// the original: full-width ASCII becomes half-width (Ａ→A, ０→0, ，→,), the
// ideographic space a space, and the traditional characters that matter to
// sales chat, dates and numbers become simplified (週→周, 點→点, 萬→万 …).
// Case and everything else are kept.
func NormalizeText(s string) string {
	if isPlainASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// foldRune is NormalizeText for one rune.
func foldRune(r rune) rune {
	switch {
	case r < 0x80:
		return r
	case r == '\u3000':
		return ' '
	case r >= '\uff01' && r <= '\uff5e':
		return r - 0xfee0
	case r == '\uffe5': // full-width yen sign, written for the yuan
		return '¥'
	case r == '\uffe0':
		return '¢'
	case r == '\uffe1':
		return '£'
	case r == '\u3001': // 、 stays: it is a list comma, not a thousands separator
		return r
	case r == '\u3002': // 。 stays
		return r
	case r == '\u2236': // ∶ ratio used as a colon
		return ':'
	case r == '\u2014' || r == '\u2013' || r == '\u2212': // dashes and minus
		return '-'
	case r == '\u00b7' || r == '\u2027' || r == '\u30fb' || r == '\u2022':
		return '·'
	case r >= 0x3400:
		if s, ok := tradToSimp[r]; ok {
			return s
		}
	}
	return r
}

// lowerASCII folds ASCII letters to lower case and leaves every other rune.
func lowerASCII(r rune) rune {
	if r >= 'A' && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}

// tradToSimp maps traditional characters to simplified ones. Only
// one-to-one pairs are listed (each side is one rune), so folding keeps the
// text's length.
var tradToSimp = func() map[rune]rune {
	pairs := []rune(tradSimpPairs)
	m := make(map[rune]rune, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	return m
}()

// tradSimpPairs is a list of traditional/simplified pairs, two runes each:
// the words of dates (週 號 曆 節), numbers (萬 億 兩 個 貳 陸), money (錢 價 額
// 幣 圓 塊), sales (單 訪 談 約 簽 報 價 總 經) and common surnames (張 劉 陳).
// 參 is left alone on purpose: it is the financial numeral three.
const tradSimpPairs = "" +
	"丟丢亞亚來来係系倉仓個个們们倫伦備备傳传債债傷伤價价億亿儘尽償偿優优儲储兌兑兒儿內内兩两則则創创劃划劇剧劉刘動动務务勝胜" +
	"勞劳勢势勵励匯汇區区協协吳吴員员問问啟启單单喲哟嗎吗嚴严囉啰國国圍围園园圓圆圖图團团報报場场塊块壓压壞坏夠够夢梦婦妇孫孙" +
	"學学實实寫写寶宝將将專专尋寻對对導导屆届層层屬属師师帳账帶带幣币幾几庫库廈厦廠厂廢废廣广廳厅張张後后從从復复徵征愛爱態态" +
	"慶庆應应懲惩懷怀戰战戲戏戶户換换損损擇择擔担據据擬拟擴扩攝摄敗败數数斷断於于時时晝昼曆历曉晓書书會会東东條条楊杨業业構构" +
	"樂乐樓楼標标樣样橋桥機机檢检檯台櫃柜權权歐欧歡欢歲岁歷历歸归氣气決决況况測测準准溫温滬沪漲涨漸渐濟济灣湾災灾為为熱热燈灯" +
	"燒烧營营爭争爾尔狀状獎奖獨独現现瑪玛產产畫画異异當当療疗發发盧卢眾众確确碼码礦矿祇只禮礼稅税種种稱称競竞筆笔節节範范築筑" +
	"簡简簽签糧粮紀纪約约紅红紐纽紙纸級级紮扎組组結结絡络給给統统經经綠绿維维網网線线編编縣县縮缩總总織织繫系續续罰罚羅罗習习" +
	"聖圣聞闻聯联聲声聶聂職职聽听腦脑臉脸臺台與与興兴舉举舊旧莊庄華华萬万葉叶蔣蒋蕭萧薩萨藍蓝藝艺藥药蘆芦蘇苏蘭兰處处號号虧亏" +
	"術术衛卫衝冲裏里補补裝装裡里製制複复見见規规視视親亲覺觉覽览觀观觸触訂订計计訊讯記记訪访設设許许詞词試试話话該该誌志認认" +
	"誕诞語语誤误說说誰谁課课調调談谈請请講讲謝谢證证譚谭議议護护讀读變变讓让讚赞豐丰豬猪貓猫貝贝負负財财貨货責责貳贰貴贵買买" +
	"貸贷費费貼贴貿贸資资賈贾賠赔賣卖賤贱賦赋質质賬账賺赚購购贈赠贏赢趙赵車车軍军軟软輛辆輯辑輸输轉转辦办辭辞農农這这週周進进" +
	"遊游運运過过達达遞递遠远適适選选還还邊边邏逻郵邮鄉乡鄧邓鄭郑醫医銀银銅铜銷销鋁铝鋼钢錄录錢钱錯错錶表鍾钟鎖锁鐘钟鐵铁鑰钥" +
	"長长門门閉闭開开閒闲間间閱阅閻阎闆板關关陰阴陳陈陸陆陽阳隊队際际險险隻只雖虽雙双雜杂雞鸡離离難难雲云電电靈灵韋韦韓韩響响" +
	"頁页項项順顺須须預预頒颁領领頭头頻频題题額额顏颜願愿類类顧顾顯显風风飄飘飛飞飯饭飲饮飽饱餅饼養养餘余館馆餵喂馬马馮冯駐驻" +
	"驗验髒脏體体髮发鬆松鬥斗鬧闹魚鱼鮮鲜鳥鸟鳳凤鹽盐麥麦麵面麼么麽么黃黄點点黨党黴霉齊齐齋斋齒齿齡龄龍龙龜龟"
