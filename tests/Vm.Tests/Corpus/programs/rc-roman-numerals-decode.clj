;; Source: Rosetta Code, task "Roman numerals Decode" (https://rosettacode.org/wiki/Roman_numerals_Decode), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Roman-numerals-Decode/Clojure/roman-numerals-decode.clj
;;   (commit 00a190b0a6098918a916b4c1315704613b703e59).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-roman-numerals-decode; -main decodes the task's examples with both functions.
(ns corpus.rc-roman-numerals-decode)

(defn ro2ar [r]
  (->> (reverse r)
       (replace (zipmap "MDCLXVI" [1000 500 100 50 10 5 1]))
       (partition-by identity)
       (map (partial apply +))
       (reduce #(if (< %1 %2) (+ %1 %2) (- %1 %2)))))

;; alternative
(def numerals { \I 1, \V 5, \X 10, \L 50, \C 100, \D 500, \M 1000})
(defn from-roman [s]
  (->> s .toUpperCase
    (map numerals)
    (reduce (fn [[sum lastv] curr] [(+ sum curr (if (< lastv curr) (* -2 lastv) 0)) curr]) [0,0])
    first))

(defn -main []
  (doseq [r ["MCMXC" "MMVIII" "MDCLXVI" "XIV" "mmxxvi"]]
    (println r (ro2ar (.toUpperCase r)) (from-roman r))))
